/**
 * Evaluation on the paper's five benchmarks: {@link io.lntune.training.eval.Evaluation} reads a
 * benchmark's questions ({@link io.lntune.training.eval.Benchmark} lists the formats), answers them
 * a batch at a time with a {@link io.lntune.training.eval.LlavaAnswerer} (conversation template,
 * few-shot {@link io.lntune.training.eval.Shots}, KV-cache generation) and scores the answers with
 * the metrics implemented here from their definitions: {@link io.lntune.training.eval.VqaAccuracy},
 * {@link io.lntune.training.eval.CiderD} and {@link io.lntune.training.eval.Bleu} on {@link
 * io.lntune.training.eval.PtbTokenizer} tokens, {@link io.lntune.training.eval.PopeScore} and
 * {@link io.lntune.training.eval.MmeScore}.
 */
package io.lntune.training.eval;
