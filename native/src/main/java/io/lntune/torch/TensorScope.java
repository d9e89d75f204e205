package io.lntune.torch;

import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Releases every tensor (and every other native object) created on this thread while it is open,
 * when it closes. The Java GC almost never runs on its own because the wrappers are tiny, so
 * without a scope a training loop grows by megabytes per step (docs/LIBTORCH.md, "Native memory").
 * Open one per step; keep what must outlive it with {@link #keep}.
 *
 * <pre>{@code
 * for (int step = 0; step < steps; step++) {
 *   try (TensorScope scope = TensorScope.open()) {
 *     Tensor loss = model.forward(batch);
 *     loss.backward();
 *     optimizer.step();
 *     losses.add(loss.item_float());        // copy Java values out before the scope closes
 *   }                                       // every temporary of the step is freed here
 * }
 * }</pre>
 *
 * <p>Scopes nest and are confined to the thread that opened them. Create models, weights and
 * optimizers outside any scope. Closing twice is a no-op.
 */
public final class TensorScope implements AutoCloseable {
  private final PointerScope scope;
  private final Thread owner;
  private boolean closed;

  private TensorScope() {
    Torch.init();
    this.scope = new PointerScope();
    this.owner = Thread.currentThread();
  }

  /** {@return a new scope, now the innermost one on this thread} */
  public static TensorScope open() {
    return new TensorScope();
  }

  /**
   * Keeps {@code pointer} alive past this scope. The caller then owns it and releases it with
   * {@code close()}. (Do not use {@link PointerScope#detach} alone: it frees the pointer at once.)
   *
   * @return {@code pointer}
   * @throws IllegalStateException if this scope is closed
   */
  public <T extends Pointer> T keep(T pointer) {
    checkOpen();
    pointer.retainReference();
    return pointer;
  }

  /**
   * Frees {@code pointer} with this scope although it was made before the scope opened: for the
   * arguments libtorch passes a Java callback (a gradient hook's), which belong to the scope open
   * on the calling thread, or, on libtorch's own threads, to none, so that only the GC would free
   * them (and a gradient would stay allocated until it ran). A scope that held it too frees it when
   * it closes as well; whichever closes last frees it.
   *
   * @return {@code pointer}
   * @throws IllegalStateException if this scope is closed
   */
  public <T extends Pointer> T adopt(T pointer) {
    checkOpen();
    scope.attach(pointer);
    return pointer;
  }

  /**
   * Keeps {@code pointer} alive past every scope open now, for good: for constants (scalars,
   * optionals) that an owner makes once and uses for as long as it lives.
   *
   * @param <T> the pointer's type
   * @param pointer the pointer to keep
   * @return {@code pointer}
   */
  public static <T extends Pointer> T unscoped(T pointer) {
    pointer.retainReference();
    return pointer;
  }

  /**
   * Runs {@code body} in a scope of its own, frees its temporaries, and hands the result to the
   * enclosing scope (or to the caller, when there is none). For functions that chain many ops.
   */
  public static <T extends Pointer> T returning(Supplier<T> body) {
    T result;
    try (TensorScope inner = open()) {
      result = inner.keep(body.get());
    }
    PointerScope outer = PointerScope.getInnerScope();
    if (outer != null) {
      outer.attach(result);
      result.releaseReference();
    }
    return result;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("tensor scope is closed");
    }
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("tensor scope belongs to thread " + owner.getName());
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    checkOpen();
    closed = true;
    scope.close();
  }
}
