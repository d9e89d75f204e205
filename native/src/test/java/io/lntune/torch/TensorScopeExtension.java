package io.lntune.torch;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Opens a {@link TensorScope} around each test: {@code @ExtendWith(TensorScopeExtension.class)}.
 */
public final class TensorScopeExtension implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(TensorScopeExtension.class);

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NS).put("scope", TensorScope.open());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    context.getStore(NS).remove("scope", TensorScope.class).close();
  }
}
