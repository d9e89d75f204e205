package io.lntune.torch;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Test fixtures on the class path, as paths. */
public final class TestResources {
  private TestResources() {}

  /** {@return the path of resource {@code name}, relative to {@code anchor}'s package} */
  public static Path path(Class<?> anchor, String name) {
    URL url = anchor.getResource(name);
    if (url == null) {
      throw new IllegalStateException("no test resource " + name + " next to " + anchor.getName());
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
