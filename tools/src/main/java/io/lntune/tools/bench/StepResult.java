package io.lntune.tools.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.lntune.training.distributed.DataParallel;
import java.util.List;

/**
 * What one training configuration measured, in its own process ({@code lntune bench-step}).
 *
 * @param config the strategy, with "+recompute" when activations are recomputed
 * @param stepMillis median wall time of the measured steps
 * @param forwardMillis median time of the forward pass and the loss
 * @param backwardMillis median time of the backward pass (recomputation included); the rest of a
 *     step is the optimizer, gradient handling and the loop
 * @param tokensPerSecond tokens (batch x sequence) per second of the median step
 * @param peakRssBytes the process's resident high-water mark (VmHWM) over its whole life
 * @param baseRssBytes resident memory when the measured steps start: the model, the fp32 masters,
 *     optimizer state (created by the warm-up step), the batch
 * @param stepPeakRssBytes the resident high-water mark over the measured steps alone (reset after
 *     the warm-up)
 * @param activationBytes activation memory: the resident set right after the forward pass and the
 *     loss minus right before the forward, the largest over the measured steps; what the graph
 *     holds for the backward (saved activations, the logits and their fp32 copy for the loss; with
 *     recomputation, each layer's input and the last layer's graph)
 * @param cudaPeakBytes the CUDA allocator's peak allocation, -1 on the CPU
 * @param flopsPerStep the step's useful FLOPs: forward 2NT, input gradients 2NT, weight gradients
 *     of trainable matrices 2N'T (recomputation not counted)
 * @param achievedFlops flopsPerStep over the median step time
 * @param overheadFraction sampled share of the step's wall time outside native code
 * @param trainableParameters trainable elements
 * @param totalParameters all elements
 * @param losses every step's loss, the warm-up's included (the same seed and data for every
 *     configuration, so that the curves of two builds or strategies compare)
 * @param dataMillis median time a measured step waited for its batch (the trainer's {@code
 *     dataMillis}); about 0 when the batch is ready, as the fixed batch of the configurations
 *     without {@code +loader} always is
 * @param dataShare median over the measured steps of the data wait's share of the step time
 * @param javaBytesPerStep median Java heap bytes allocated on the training thread per measured step
 *     (the bench's own probes, the listener that measures and the reading of resident memory, left
 *     out)
 * @param taskJavaBytesPerStep the part of {@code javaBytesPerStep} allocated inside the task's
 *     forward, loss and backward (the model's calls: mostly JavaCPP wrappers of the tensors
 *     libtorch returns); the rest is the trainer's own: the loop, gradient handling, clipping and
 *     the optimizer
 * @param allReducedBytesPerStep the bytes a rank all-reduced per step ({@link
 *     DataParallel#bytesPerStep()}) when the configuration ran as one rank of a data-parallel job;
 *     0 for a single process
 * @param roundStepMillis the median step time of each round, in the order the rounds ran (one per
 *     timing process); {@code stepMillis} is their median
 */
record StepResult(
    String config,
    double stepMillis,
    double forwardMillis,
    double backwardMillis,
    double tokensPerSecond,
    long peakRssBytes,
    long baseRssBytes,
    long stepPeakRssBytes,
    long activationBytes,
    long cudaPeakBytes,
    double flopsPerStep,
    double achievedFlops,
    double overheadFraction,
    long trainableParameters,
    long totalParameters,
    List<Double> losses,
    double dataMillis,
    double dataShare,
    long javaBytesPerStep,
    long taskJavaBytesPerStep,
    long allReducedBytesPerStep,
    List<Double> roundStepMillis) {

  /** {@return the last step's loss} */
  double finalLoss() {
    return losses.get(losses.size() - 1);
  }

  /**
   * {@return the Java heap bytes per step the trainer allocated itself, outside the task's calls}
   */
  @JsonProperty("trainerJavaBytesPerStep")
  long trainerJavaBytesPerStep() {
    return javaBytesPerStep - taskJavaBytesPerStep;
  }

  /**
   * {@return the memory a step adds on top of what persists between steps: activations and
   * gradients}
   */
  @JsonProperty("stepMemoryBytes")
  long stepMemoryBytes() {
    return stepPeakRssBytes - baseRssBytes;
  }
}
