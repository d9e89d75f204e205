package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.full;
import static org.bytedeco.pytorch.global.torch.scaled_dot_product_attention;
import static org.bytedeco.pytorch.global.torch.softmax;
import static org.bytedeco.pytorch.global.torch.zeros;

import io.lntune.torch.DType;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * {@code softmax(q k^T / sqrt(headDim)) v} with an optional mask and grouped key/value heads, by
 * whichever of libtorch's ways is fastest where the tensors are.
 *
 * <ul>
 *   <li>libtorch's fused {@code scaled_dot_product_attention} on CUDA and for fp32 on the CPU;
 *   <li>bf16 and fp16 on the CPU: two matrix products and a softmax in the activations' dtype, as
 *       Python's eager attention computes it. libtorch's fused CPU kernels are slow in bf16 (10x
 *       slower than fp32) while its bf16 matrix products are the fastest it has; a [1, 12, 512, 64]
 *       causal forward and backward took 7.7-8.8 ms this way against 22 ms in fp32 and 245 ms in
 *       the fused bf16 kernel (docs/LIBTORCH.md). The products keep the probabilities [B, H, T, S]
 *       for the backward, so above {@link #PRODUCTS_LIMIT_BYTES} of them a call runs the fused fp32
 *       kernel instead, whose memory grows with T rather than T * S;
 *   <li>the products on the meta device, where the fused kernel has no implementation.
 * </ul>
 *
 * <pre>{@code
 * Tensor out = Attention.attend(q, k, v, null, true); // [B, H, T, hd], causal
 * }</pre>
 */
public final class Attention {
  /** The most probabilities one CPU call keeps in bf16 or fp16 before it attends in fp32. */
  public static final long PRODUCTS_LIMIT_BYTES = 64L << 20;

  private Attention() {}

  /**
   * @param q [B, H, T, hd]
   * @param k [B, Hkv, S, hd], {@code H} a multiple of {@code Hkv}
   * @param v [B, Hkv, S, hd]
   * @param allowed bool [B or 1, 1, T, S], true where a query may see a key; or null
   * @param causal whether query i sees keys 0..i only; only without {@code allowed}, and with as
   *     many keys as queries (a cache's keys need a mask)
   * @return [B, H, T, hd]
   * @throws IllegalArgumentException if {@code causal} comes with a mask or with S != T
   */
  public static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal) {
    return attend(q, k, v, allowed, causal, null);
  }

  /**
   * {@link #attend(Tensor, Tensor, Tensor, Tensor, boolean)} with the mask's additive form made
   * beforehand by {@link #bias}, so that the layers of one forward pass share one rather than each
   * making its own (a padded batch's is as large as the scores).
   *
   * @param bias {@link #bias} of {@code allowed} and {@code causal} in q's dtype and device, or
   *     null to make it here when the call runs as products
   */
  public static Tensor attend(
      Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal, Tensor bias) {
    if (causal && (allowed != null || k.size(2) != q.size(2))) {
      throw new IllegalArgumentException(
          "causal attention takes no mask and as many keys as queries, got "
              + k.size(2)
              + " keys for "
              + q.size(2)
              + " queries"
              + (allowed != null ? " and a mask" : ""));
    }
    if (q.is_meta() || productsFit(q, k)) {
      return products(
          q, k, v, bias != null ? bias : bias(allowed, causal, q.size(2), k.size(2), q));
    }
    ScalarType dtype = q.scalar_type().intern();
    boolean upcast = q.is_cpu() && dtype != ScalarType.Float && dtype != ScalarType.Double;
    if (upcast) {
      q = q.to(ScalarType.Float);
      k = k.to(ScalarType.Float);
      v = v.to(ScalarType.Float);
    }
    Tensor out =
        scaled_dot_product_attention(
            q,
            k,
            v,
            allowed == null ? new TensorOptional() : new TensorOptional(allowed),
            0.0,
            causal,
            new DoubleOptional(),
            /* enable_gqa= */ k.size(1) != q.size(1)); // [B, H, T, hd]
    return upcast ? out.to(dtype) : out;
  }

  /** {@return whether a CPU call in bf16 or fp16 keeps at most the limit in probabilities} */
  static boolean productsFit(Tensor q, Tensor k) {
    return byProducts(
        q.is_cpu(), DType.of(q.scalar_type()), q.size(0) * q.size(1) * q.size(2) * k.size(2));
  }

  /**
   * {@return whether attention runs as products} (bf16 or fp16 on the CPU, within the limit) for
   * {@code probabilities} = B * H * T * S: the rule, for estimates made without tensors
   */
  public static boolean byProducts(boolean cpu, DType dtype, long probabilities) {
    return cpu
        && (dtype == DType.BF16 || dtype == DType.F16)
        && probabilities * dtype.byteSize() <= PRODUCTS_LIMIT_BYTES;
  }

  /**
   * {@return the mask as attention by products adds it to the scores: 0 where a query may see a key
   * and -inf where not, in {@code like}'s dtype and device; null for no mask} [B or 1, 1, 1, T, S]
   * for {@code allowed}, [T, S] for causal. Additive rather than a masked_fill of the scores: the
   * scores start as a copy of it, which the product is added to, and it saves nothing for the
   * backward.
   *
   * @param allowed as {@link #attend} takes it, or null
   * @param causal as {@link #attend} takes it
   * @param t queries
   * @param s keys
   */
  public static Tensor bias(Tensor allowed, boolean causal, long t, long s, Tensor like) {
    TensorOptions options =
        new TensorOptions(like.scalar_type().intern()).device(new DeviceOptional(like.device()));
    Scalar minusInfinity = new Scalar(Double.NEGATIVE_INFINITY);
    if (allowed != null) {
      return zeros(allowed.sizes(), options)
          .masked_fill_(allowed.logical_not(), minusInfinity)
          .unsqueeze(1); // [B or 1, 1, 1, T, S]
    }
    if (causal) {
      return full(new long[] {t, s}, minusInfinity, options).triu(s - t + 1); // [T, S]
    }
    return null;
  }

  /**
   * The formula as two matrix products and a softmax, in the inputs' dtype.
   *
   * @param bias {@link #bias} of the mask (causal with S > T aligns the queries with the last T
   *     keys), or null for none
   */
  static Tensor products(Tensor q, Tensor k, Tensor v, Tensor bias) {
    long b = q.size(0);
    long h = q.size(1);
    long t = q.size(2);
    long hd = q.size(3);
    long kvh = k.size(1);
    long s = k.size(2);
    long g = h / kvh;
    // The query heads that share a key head as one matrix, so that k and v are never repeated.
    // Contiguous first (LLaMA's heads already are): heads that arrive as transposed views of a
    // projection make the batched products and their backward 0.5-0.8 ms a layer slower than
    // copies.
    Tensor grouped = q.contiguous().view(b * kvh, g * t, hd); // [B*Hkv, G*T, hd]
    Tensor keys = k.contiguous().view(b * kvh, s, hd); // [B*Hkv, S, hd]
    // The scores start as the mask, and one baddbmm_ adds the scaled product to it: one pass over
    // [T, S] per head where scaling q, multiplying and adding the mask take three.
    Tensor scores = q.new_empty(b * kvh, g * t, s); // [B*Hkv, G*T, S]
    if (bias != null) { // [B or 1, 1, 1, T, S] or [T, S]
      scores.view(b, kvh, g, t, s).copy_(bias);
    }
    scores.baddbmm_(
        grouped,
        keys.transpose(1, 2),
        new Scalar(bias != null ? 1.0 : 0.0), // 0: the uninitialised scores are ignored
        new Scalar(1.0 / Math.sqrt(hd)));
    Tensor probs = softmax(scores, -1); // [B*Hkv, G*T, S]
    return probs.bmm(v.contiguous().view(b * kvh, s, hd)).view(b, h, t, hd); // [B, H, T, hd]
  }
}
