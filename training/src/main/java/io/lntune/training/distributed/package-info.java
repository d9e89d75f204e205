/**
 * Data parallelism on libtorch's c10d: one process per device, a {@code TCPStore} rendezvous, a
 * Gloo process group on the CPU, the trainable tensors' gradients all-reduced every step.
 *
 * <ul>
 *   <li>{@link io.lntune.training.distributed.TorchrunEnvironment}: the rank and rendezvous a
 *       {@code torchrun}-style launcher sets in the environment.
 *   <li>{@link io.lntune.training.distributed.DistributedGroup}: the process group, owned and
 *       closed; collectives that fail name the rank and the operation.
 *   <li>{@link io.lntune.training.distributed.DataParallel}: the step's loss, token count and
 *       gradients summed over the ranks, so that every rank updates as one process with the whole
 *       batch would.
 * </ul>
 */
package io.lntune.training.distributed;
