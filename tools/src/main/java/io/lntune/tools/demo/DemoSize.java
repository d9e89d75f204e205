package io.lntune.tools.demo;

/**
 * How big the demo is. The full size is tuned to finish in minutes on two CPU cores; {@code quick}
 * only checks that every part runs (CI), its accuracies mean little.
 *
 * @param images pictures in the synthetic world (a fifth held out)
 * @param pretrainTextSteps steps of language-model pretraining of the tiny LLaMA
 * @param pretrainVisionSteps steps of pretraining the tiny ViT to name what each cell holds
 * @param stage1Steps connector pretraining steps on captions
 * @param stage2Steps instruction-tuning steps per strategy
 * @param batchSize samples per step
 * @param evalQuestions held-out questions scored per strategy
 * @param similaritySamples held-out samples the layer similarity is measured on (at most the
 *     held-out pictures)
 */
record DemoSize(
    int images,
    int pretrainTextSteps,
    int pretrainVisionSteps,
    int stage1Steps,
    int stage2Steps,
    int batchSize,
    int evalQuestions,
    int similaritySamples) {

  /**
   * {@return the demo's size} 4,000 pictures, so that stage 1 sees each training caption about five
   * times and stage 2 each conversation two or three: fewer pictures, seen more often, are partly
   * memorised, which lowers the held-out accuracy that the report compares.
   */
  static DemoSize full() {
    return new DemoSize(4000, 3000, 300, 1000, 500, 16, 200, 256);
  }

  static DemoSize quick() {
    return new DemoSize(40, 6, 6, 4, 6, 8, 20, 8);
  }
}
