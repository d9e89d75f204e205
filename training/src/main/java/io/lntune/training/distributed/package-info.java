/**
 * Data parallelism on libtorch's c10d: one process per device, a {@code TCPStore} rendezvous, a
 * Gloo process group on the CPU or an NCCL one on CUDA, the trainable tensors' gradients
 * all-reduced every step, during the backward pass.
 *
 * <ul>
 *   <li>{@link io.lntune.training.distributed.TorchrunEnvironment}: the rank and rendezvous a
 *       {@code torchrun}-style launcher sets in the environment, and the rank's GPU.
 *   <li>{@link io.lntune.training.distributed.DistributedBackend}: Gloo or NCCL, from the model's
 *       device unless {@link io.lntune.training.distributed.DistributedSettings} names one.
 *   <li>{@link io.lntune.training.distributed.DistributedGroup}: the process group, owned and
 *       closed; collectives that fail name the rank, the backend and the operation.
 *   <li>{@link io.lntune.training.distributed.DataParallel}: the step's loss, token count and
 *       gradients summed over the ranks, so that every rank updates as one process with the whole
 *       batch would; gradient hooks start each bucket's all-reduce during the backward pass.
 *   <li>{@link io.lntune.training.distributed.AllGather}: every rank's bytes to every rank, for
 *       what is exchanged once outside the step (a sharded evaluation's answers).
 * </ul>
 */
package io.lntune.training.distributed;
