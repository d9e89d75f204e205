package io.lntune.tools.bench;

/**
 * What one training configuration measured, in its own process ({@code lntune bench-step}).
 *
 * @param config the strategy, with "+recompute" when activations are recomputed
 * @param stepMillis median wall time of the measured steps
 * @param tokensPerSecond tokens (batch x sequence) per second of the median step
 * @param peakRssBytes the process's resident high-water mark (VmHWM) over its whole life
 * @param baseRssBytes resident memory when the measured steps start: the model, the fp32 masters, optimizer state
 *     (created by the warm-up step), the batch
 * @param stepPeakRssBytes the resident high-water mark over the measured steps alone (reset after the warm-up)
 * @param cudaPeakBytes the CUDA allocator's peak allocation, -1 on the CPU
 * @param flopsPerStep the step's useful FLOPs: forward 2NT, input gradients 2NT, weight gradients of trainable
 *     matrices 2N'T (recomputation not counted)
 * @param achievedFlops flopsPerStep over the median step time
 * @param overheadFraction sampled share of the step's wall time outside native code
 * @param trainableParameters trainable elements
 * @param totalParameters all elements
 * @param finalLoss the last step's loss (the same seed and data for every configuration)
 */
record StepResult(String config, double stepMillis, double tokensPerSecond, long peakRssBytes, long baseRssBytes,
    long stepPeakRssBytes, long cudaPeakBytes, double flopsPerStep, double achievedFlops, double overheadFraction, long trainableParameters,
    long totalParameters, double finalLoss) {

  /** {@return the memory a step adds on top of what persists between steps: activations and gradients} */
  @com.fasterxml.jackson.annotation.JsonProperty("stepMemoryBytes")
  long stepMemoryBytes() {
    return stepPeakRssBytes - baseRssBytes;
  }
}
