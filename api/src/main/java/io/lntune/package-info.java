/**
 * lntune's facade: finetune a LLaVA-style multi-modal model by training only its LayerNorm
 * (RMSNorm) weights (Zhao et al., <i>Tuning LayerNorm in Attention</i>, ICLR 2024), or with another
 * {@link io.lntune.training.strategy.Strategy}, on libtorch through JavaCPP. {@link
 * io.lntune.LayerNormTuner#builder()} configures a run, {@link io.lntune.LayerNormTuner#fit()}
 * trains (through {@link io.lntune.training.run.FinetuningRun}), and {@link
 * io.lntune.training.run.TuningResult} says what it did and where the exports are.
 *
 * <p>The smallest complete program (a LLaVA checkpoint directory, its tokenizer, LLaVA JSON data
 * with its images):
 *
 * <pre>{@code
 * import io.lntune.LayerNormTuner;
 * import io.lntune.models.llava.LlavaModel;
 * import io.lntune.models.nn.Placement;
 * import io.lntune.models.tokenizer.Tokenizer;
 * import io.lntune.torch.DType;
 * import io.lntune.training.run.TuningResult;
 * import java.nio.file.Path;
 *
 * public class Tune {
 *   public static void main(String[] args) {
 *     Path base = Path.of("/models/llava-v1.5-7b");
 *     LlavaModel model = LlavaModel.load(base, Placement.cpu(DType.BF16));
 *     try (LayerNormTuner tuner = LayerNormTuner.builder()
 *         .model(model)
 *         .tokenizer(Tokenizer.load(base))
 *         .trainData(Path.of("data/llava_instruct.json"), Path.of("data/images"))
 *         .maxSteps(1000)
 *         .outputDir(Path.of("runs/ln-01"))          // trainable.safetensors and adapter/ land here
 *         .build()) {
 *       TuningResult r = tuner.fit();
 *       System.out.println(r.losses().get(r.losses().size() - 1) + " after " + r.losses().size() + " steps");
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>The dependency is {@code io.lntune:lntune-api}; it brings the modules below it ({@code
 * io.lntune.training}, {@code io.lntune.models}, {@code io.lntune.torch}) and libtorch for the CPU.
 * Import {@code io.lntune:lntune-bom} to keep JavaCPP and the PyTorch natives at the versions
 * lntune was built with, and to switch to the CUDA build. Models, tensors and checkpoints are
 * native memory: close what is {@link java.lang.AutoCloseable}.
 *
 * @since 0.1.0
 */
package io.lntune;
