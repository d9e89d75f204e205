package io.lntune.models.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.eye;
import static org.bytedeco.pytorch.global.torch.rand;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.scaled_dot_product_attention;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.util.List;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * The CPU's bf16 attention by matrix products gives the outputs and the gradients of libtorch's
 * fused kernel: exactly (to rounding) in fp64, within bf16's precision in bf16, for causal,
 * grouped-query, padded and cached attention.
 */
class AttentionTest {
  /** q, k, v and the mask of one case; the mask may be null. */
  private record Case(String name, Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal) {}

  /** {@return random q [B, H, T, 8], k and v [B, Hkv, S, 8]} S - T keys stand for a KV cache's. */
  private static Case random(
      String name, long b, long h, long kvh, long t, long s, Tensor allowed, boolean causal) {
    return new Case(
        name, randn(b, h, t, 8), randn(b, kvh, s, 8), randn(b, kvh, s, 8), allowed, causal);
  }

  private static List<Case> cases() {
    // keys 0-2 of sequence 1 are padding, and each query sees at least itself
    Tensor allowed = rand(2, 1, 5, 9).gt(new Scalar(0.3));
    allowed.select(0, 1).narrow(-1, 0, 3).fill_(new Scalar(0L));
    allowed.narrow(-1, 4, 5).logical_or_(eye(5).to(ScalarType.Bool));
    return List.of(
        random("causal", 2, 4, 4, 7, 7, null, true),
        random("grouped-query causal", 2, 6, 2, 5, 5, null, true),
        random("padded, 4 cached keys", 2, 4, 2, 5, 9, allowed, false),
        random("one new token", 3, 4, 1, 1, 6, null, false),
        random("causal after 3 cached keys", 1, 2, 2, 4, 7, null, true),
        random("causal, 300 tokens", 1, 4, 2, 300, 300, null, true));
  }

  @Test
  void productsEqualTheFusedKernelInFp64() {
    Torch.seed(11);
    try (TensorScope scope = TensorScope.open()) {
      for (Case c : cases()) {
        Result fused = run(c, ScalarType.Double, false);
        Result products = run(c, ScalarType.Double, true);
        for (int i = 0; i < 4; i++) {
          assertThat(products.tensors[i].sub(fused.tensors[i]).abs().max().item_double())
              .as("%s: %s", c.name(), Result.NAMES[i])
              .isLessThan(1e-12);
        }
      }
    }
  }

  @Test
  void bf16ProductsMatchTheFp32KernelWithinBf16Precision() {
    Torch.seed(12);
    try (TensorScope scope = TensorScope.open()) {
      for (Case c : cases()) {
        // the same bf16 inputs for both: the difference is the computation's rounding alone
        Case bf16 =
            new Case(
                c.name(),
                c.q().to(ScalarType.BFloat16),
                c.k().to(ScalarType.BFloat16),
                c.v().to(ScalarType.BFloat16),
                c.allowed(),
                c.causal());
        assertThat(Attention.productsFit(bf16.q(), bf16.k())).as(c.name()).isTrue();
        Result reference = run(bf16, ScalarType.Float, false);
        Result products = run(bf16, ScalarType.BFloat16, true);
        for (int i = 0; i < 4; i++) {
          Tensor expected = reference.tensors[i];
          Tensor actual = products.tensors[i].to(ScalarType.Float);
          double relative =
              actual.sub(expected).norm().item_double() / expected.norm().item_double();
          // bf16 keeps 8 bits: a relative rounding of 2^-9 per value, a few of them in a row
          assertThat(relative).as("%s: %s", c.name(), Result.NAMES[i]).isLessThan(0.02);
        }
      }
    }
  }

  @Test
  void largeBf16CallsAttendInFp32() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor small = randn(1, 12, 512, 64).to(ScalarType.BFloat16);
      assertThat(Attention.productsFit(small, small)).isTrue();
      Tensor big = randn(1, 32, 1200, 1).to(ScalarType.BFloat16); // 32 * 1200^2 * 2 B > 64 MiB
      assertThat(Attention.productsFit(big, big)).isFalse();
      assertThat(Attention.productsFit(small.to(ScalarType.Float), small)).isFalse();
      Tensor out = Attention.attend(big, big, big, null, true);
      assertThat(out.scalar_type().intern()).isEqualTo(ScalarType.BFloat16);
      assertThat(out.sizes().vec().get()).containsExactly(1L, 32L, 1200L, 1L);
    }
  }

  @Test
  void causalAttentionRefusesKeysBeyondItsQueries() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor q = randn(1, 2, 3, 8);
      Tensor k = randn(1, 2, 5, 8);
      assertThatThrownBy(() -> Attention.attend(q, k, k, null, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "causal attention takes no mask and as many keys as queries, got 5 keys for 3 queries");
    }
  }

  /** The output and the gradients of q, k and v for a fixed upstream gradient. */
  private record Result(Tensor[] tensors) {
    static final String[] NAMES = {"output", "dq", "dk", "dv"};
  }

  private static Result run(Case c, ScalarType dtype, boolean products) {
    Tensor q = c.q().to(dtype).detach().requires_grad_(true);
    Tensor k = c.k().to(dtype).detach().requires_grad_(true);
    Tensor v = c.v().to(dtype).detach().requires_grad_(true);
    Tensor out =
        products
            ? Attention.products(
                q, k, v, Attention.bias(c.allowed(), c.causal(), q.size(2), k.size(2), q))
            : fused(q, k, v, c.allowed(), c.causal());
    Torch.seed(5);
    Tensor upstream = randn(out.sizes().vec().get()).to(dtype);
    out.mul(upstream).sum().backward();
    return new Result(new Tensor[] {out.detach(), q.grad(), k.grad(), v.grad()});
  }

  /** libtorch's kernel; with a causal flag it aligns the queries with the first keys. */
  private static Tensor fused(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal) {
    if (causal && k.size(2) > q.size(2)) {
      long t = q.size(2);
      long s = k.size(2);
      allowed =
          org.bytedeco
              .pytorch
              .global
              .torch
              .ones(t, s)
              .to(ScalarType.Bool)
              .tril(s - t)
              .unsqueeze(0)
              .unsqueeze(0);
      causal = false;
    }
    return scaled_dot_product_attention(
        q,
        k,
        v,
        allowed == null ? new TensorOptional() : new TensorOptional(allowed),
        0.0,
        causal,
        new DoubleOptional(),
        k.size(1) != q.size(1));
  }
}
