package io.lntune.models.llama;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Autoregressive decoding with a KV cache: the prompt is run once, then each step feeds one token
 * per sequence. Several prompts run together, left-padded to a common length (their positions and
 * attention ignore the padding, so each gives what it would alone).
 *
 * <pre>{@code
 * List<Generator.Output> out = Generator.generate(model, List.of(new long[] {1, 15043, 29892}),
 *     GenerationConfig.greedy(32));
 * long[] tokens = out.get(0).tokens();
 * }</pre>
 */
public final class Generator {
  private Generator() {}

  /**
   * One sequence's result.
   *
   * @param tokens the generated ids, without the prompt and without the end-of-sequence token
   * @param stoppedAtEos whether generation ended at an end-of-sequence token (rather than the
   *     length limit or a {@link StopCriterion})
   */
  public record Output(long[] tokens, boolean stoppedAtEos) {}

  /** Generates a continuation of each prompt (token ids, each non-empty). */
  public static List<Output> generate(
      LlamaModel model, List<long[]> prompts, GenerationConfig config) {
    return generate(model, prompts, config, StopCriterion.NEVER);
  }

  /** Generates a continuation of each prompt, ending a sequence early where {@code stop} says. */
  public static List<Output> generate(
      LlamaModel model, List<long[]> prompts, GenerationConfig config, StopCriterion stop) {
    if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
      throw new IllegalArgumentException(
          "generation needs at least one prompt, each with at least one token");
    }
    long pad = Math.max(model.config().padTokenId(), 0);
    int width = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    long[][] ids = new long[prompts.size()][width];
    long[][] real = new long[prompts.size()][width];
    for (int b = 0; b < prompts.size(); b++) {
      long[] p = prompts.get(b);
      int offset = width - p.length; // left padding
      Arrays.fill(ids[b], pad);
      System.arraycopy(p, 0, ids[b], offset, p.length);
      Arrays.fill(real[b], offset, width, 1L);
    }
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor embeds = model.embed(matrix(ids, model));
      return generate(model, embeds, matrix(real, model), config, stop);
    }
  }

  /**
   * Generates from prompt embeddings (for LLaVA, token embeddings with image features spliced in).
   *
   * @param promptEmbeds [B, T, D]
   * @param padding [B, T], 1 for real positions and 0 for left padding
   */
  public static List<Output> generate(
      LlamaModel model, Tensor promptEmbeds, Tensor padding, GenerationConfig config) {
    return generate(model, promptEmbeds, padding, config, StopCriterion.NEVER);
  }

  /**
   * Generates from prompt embeddings, ending a sequence early where {@code stop} says (its last
   * token is kept).
   *
   * @param promptEmbeds [B, T, D]
   * @param padding [B, T], 1 for real positions and 0 for left padding
   */
  public static List<Output> generate(
      LlamaModel model,
      Tensor promptEmbeds,
      Tensor padding,
      GenerationConfig config,
      StopCriterion stop) {
    int batch = (int) promptEmbeds.size(0);
    int promptLength = (int) promptEmbeds.size(1);
    long[][] real = new long[batch][promptLength + config.maxNewTokens()];
    long[] given = Tensors.longs(padding, batch * promptLength);
    boolean padded = false;
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < promptLength; t++) {
        real[b][t] = given[b * promptLength + t];
        padded |= real[b][t] == 0;
      }
    }
    List<Long> eos = model.config().eosTokenIds();
    List<List<Long>> out = new ArrayList<>();
    boolean[] done = new boolean[batch];
    boolean[] atEos = new boolean[batch];
    for (int b = 0; b < batch; b++) {
      out.add(new ArrayList<>());
    }
    Torch.seed(config.seed());
    TokenSampler sampler = new TokenSampler(config);
    long[] chosen = null;
    try (KvCache cache = model.newCache(batch, promptLength + config.maxNewTokens());
        NoGradGuard g = new NoGradGuard()) {
      for (int step = 0; step < config.maxNewTokens() && !allDone(done); step++) {
        int length = promptLength + step;
        try (TensorScope scope = TensorScope.open()) {
          Tensor input =
              step == 0
                  ? promptEmbeds
                  : model.embed(matrix(column(chosen), model)); // [B, T or 1, D]
          Tensor hidden =
              padded
                  ? model.hiddenStates(
                      input, matrix(prefix(real, length), model), cache) // padding [B, length]
                  : model.hiddenStates(input, cache);
          chosen = Tensors.longs(sampler.next(model.logits(hidden.select(1, -1))), batch); // [B]
        }
        for (int b = 0; b < batch; b++) {
          real[b][length] = 1;
          if (done[b]) {
            continue;
          }
          if (config.stopOnEos() && eos.contains(chosen[b])) {
            done[b] = true;
            atEos[b] = true;
          } else {
            out.get(b).add(chosen[b]);
            done[b] = stop.isDone(b, out.get(b).stream().mapToLong(Long::longValue).toArray());
          }
        }
      }
    }
    List<Output> result = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      result.add(new Output(out.get(b).stream().mapToLong(Long::longValue).toArray(), atEos[b]));
    }
    return result;
  }

  private static boolean allDone(boolean[] done) {
    for (boolean d : done) {
      if (!d) {
        return false;
      }
    }
    return true;
  }

  private static long[][] column(long[] ids) {
    long[][] out = new long[ids.length][1];
    for (int i = 0; i < ids.length; i++) {
      out[i][0] = ids[i];
    }
    return out;
  }

  private static long[][] prefix(long[][] rows, int length) {
    return Arrays.stream(rows).map(r -> Arrays.copyOf(r, length)).toArray(long[][]::new);
  }

  private static Tensor matrix(long[][] rows, LlamaModel model) {
    long[] flat = Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
    return Tensor.create(flat, rows.length, rows[0].length)
        .to(model.placement().device().toTorch(), ScalarType.Long);
  }
}
