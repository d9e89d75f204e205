package io.lntune.models.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the directory (or file) a name points to: a local path first (as written, then relative to
 * each given base, such as the directory of the config that named it), else a Hugging Face model id
 * ({@code org/name[@revision]}) in the local Hugging Face cache, laid out as {@code
 * huggingface_hub} lays it out. Nothing is downloaded.
 *
 * <p>The cache is {@code $HF_HUB_CACHE}, else {@code $HUGGINGFACE_HUB_CACHE} (its older name), else
 * {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code
 * ~/.cache/huggingface/hub}, with {@code ~} and {@code $VARS} expanded as Python's {@code os.path}
 * does. A model id lives in {@code models--org--name/}: {@code refs/<revision>} holds the commit
 * hash of a branch or tag, and {@code snapshots/<commit>/} the files; a revision without a ref is
 * taken as a commit hash.
 *
 * <pre>{@code
 * Path clip = ModelLocator.fromEnvironment().locate("openai/clip-vit-large-patch14-336");
 * Path tower = ModelLocator.fromEnvironment().locate("vision_tower", modelDir);   // relative to the model first
 * }</pre>
 */
public final class ModelLocator {
  private static final Pattern VARIABLE = Pattern.compile("\\$(\\w+|\\{([^}]*)\\})");

  private final Path hubCache;

  private ModelLocator(Path hubCache) {
    this.hubCache = hubCache;
  }

  /** {@return a locator reading this process's environment and home directory} */
  public static ModelLocator fromEnvironment() {
    return of(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * {@return a locator for the environment {@code env} and the home directory {@code home}}
   *
   * @param env environment variables: {@code HF_HUB_CACHE}, {@code HUGGINGFACE_HUB_CACHE}, {@code
   *     HF_HOME}, {@code XDG_CACHE_HOME} and any a value refers to
   */
  public static ModelLocator of(Map<String, String> env, Path home) {
    String cache = env.get("HF_HUB_CACHE");
    if (cache == null) {
      cache = env.get("HUGGINGFACE_HUB_CACHE");
    }
    if (cache == null) {
      String hfHome =
          env.getOrDefault(
              "HF_HOME",
              env.getOrDefault("XDG_CACHE_HOME", home.resolve(".cache").toString())
                  + "/huggingface");
      cache = expand(hfHome, env, home) + "/hub";
    }
    return new ModelLocator(Path.of(expand(cache, env, home)));
  }

  /** Python's {@code expandvars(expanduser(value))}: a leading {@code ~}, then known variables. */
  private static String expand(String value, Map<String, String> env, Path home) {
    String v = value.equals("~") || value.startsWith("~/") ? home + value.substring(1) : value;
    Matcher m = VARIABLE.matcher(v);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(2) != null ? m.group(2) : m.group(1);
      m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(name, m.group())));
    }
    return m.appendTail(out).toString();
  }

  /** {@return the Hugging Face cache this locator reads} */
  public Path hubCache() {
    return hubCache;
  }

  /**
   * {@return what {@code name} points to: the first existing local path, else the cached snapshot
   * of the model id}
   *
   * @param bases directories a relative {@code name} may be relative to, tried after the working
   *     directory
   * @throws ModelNotFoundException naming every place looked at and why each did not hold it
   */
  public Path locate(String name, Path... bases) {
    List<String> tried = new ArrayList<>();
    Path found = search(name, bases, tried);
    if (found == null) {
      throw new ModelNotFoundException(name, RepoId.parse(name).isPresent(), tried);
    }
    return found;
  }

  /** {@return what {@code name} points to, as {@link #locate} finds it, or empty} */
  public Optional<Path> find(String name, Path... bases) {
    return Optional.ofNullable(search(name, bases, new ArrayList<>()));
  }

  private Path search(String name, Path[] bases, List<String> tried) {
    if (name.isBlank()) {
      throw new IllegalArgumentException("a model name or path must not be blank");
    }
    Set<Path> local = new LinkedHashSet<>();
    local.add(Path.of(name).toAbsolutePath());
    for (Path base : bases) {
      local.add(base.resolve(name).toAbsolutePath());
    }
    for (Path p : local) {
      if (Files.exists(p)) {
        return p;
      }
      tried.add(p + ": no such file or directory");
    }
    Optional<RepoId> id = RepoId.parse(name);
    return id.isEmpty() ? null : snapshot(id.get(), tried);
  }

  private Path snapshot(RepoId id, List<String> tried) {
    Path repo = hubCache.resolve(id.cacheFolder());
    if (!Files.isDirectory(repo)) {
      tried.add(repo + ": not in the Hugging Face cache");
      return null;
    }
    Path ref = repo.resolve("refs").resolve(id.revision());
    String commit;
    try {
      commit = Files.isRegularFile(ref) ? Files.readString(ref).strip() : id.revision();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + ref, e);
    }
    Path snapshot = repo.resolve("snapshots").resolve(commit);
    if (Files.isDirectory(snapshot)) {
      return snapshot;
    }
    tried.add(
        snapshot
            + ": no such snapshot ("
            + (commit.equals(id.revision())
                ? "no refs/" + id.revision()
                : "refs/" + id.revision() + " names commit " + commit)
            + ")");
    return null;
  }
}
