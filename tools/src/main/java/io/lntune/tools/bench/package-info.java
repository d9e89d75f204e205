/**
 * {@code lntune bench}: the performance harness. {@link io.lntune.tools.bench.BenchCommand}
 * measures every training strategy on the same random-weight decoder and batch, each in a child JVM
 * running {@link io.lntune.tools.bench.BenchStepCommand} (so that each peak resident memory is its
 * own), then the machine's GEMM FLOP/s, checkpoint loading and KV-cache decoding in its own
 * process, and reports the targets' ratios as Markdown and JSON; with {@code --data-parallel},
 * {@link io.lntune.tools.bench.DataParallelComparison} adds LAYERNORM on two Gloo ranks against one
 * process of two threads and the all-reduce it predicts on 8 GPUs. {@link
 * io.lntune.tools.bench.DecoderLayerBenchmark} is a JMH micro-benchmark of one decoder layer (run
 * through {@code org.openjdk.jmh.Main}).
 *
 * <pre>{@code
 * bin/lntune bench --size small --output runs/bench    # bench.md, bench.json
 * }</pre>
 */
package io.lntune.tools.bench;
