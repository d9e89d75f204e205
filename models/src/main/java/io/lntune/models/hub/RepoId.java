package io.lntune.models.hub;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Hugging Face model id as users and configs write it: {@code org/name} (or a bare {@code name}),
 * optionally pinned with {@code @revision} (a branch, tag or commit hash; {@code main} if absent).
 *
 * <pre>{@code
 * RepoId clip = RepoId.parse("openai/clip-vit-large-patch14-336").orElseThrow();   // revision "main"
 * clip.cacheFolder();                               // models--openai--clip-vit-large-patch14-336
 * RepoId pinned = RepoId.parse("lmsys/vicuna-7b-v1.5@v1.0").orElseThrow();
 * }</pre>
 *
 * @param repo the repository id, {@code org/name} or {@code name}
 * @param revision the branch, tag or commit
 */
public record RepoId(String repo, String revision) {
  /** The branch {@code huggingface_hub} reads when no revision is given. */
  public static final String MAIN = "main";

  // As huggingface_hub's validate_repo_id: word characters, '-' and '.', at most one '/', neither
  // end of a part a
  // '-' or '.', no "--" or ".." anywhere. A revision may hold '/' (refs/pr/1).
  private static final String PART = "(?:\\w|\\w[\\w.-]*\\w)";
  private static final Pattern REPO = Pattern.compile("(?:" + PART + "/)?" + PART);
  private static final Pattern REVISION = Pattern.compile("\\w[\\w./-]*");

  public RepoId {
    if (!REPO.matcher(repo).matches()
        || repo.contains("--")
        || repo.contains("..")
        || repo.length() > 96) {
      throw new IllegalArgumentException(
          "'" + repo + "' is not a Hugging Face model id (org/name)");
    }
    if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
      throw new IllegalArgumentException(
          "'" + revision + "' is not a revision (branch, tag or commit)");
    }
  }

  /**
   * {@return the model id {@code text} writes, or empty when it is none (a path such as {@code ./x}
   * or {@code /x})}
   */
  public static Optional<RepoId> parse(String text) {
    int at = text.indexOf('@');
    try {
      return Optional.of(
          at < 0
              ? new RepoId(text, MAIN)
              : new RepoId(text.substring(0, at), text.substring(at + 1)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** {@return the cache's folder of this repository: {@code models--org--name}} */
  public String cacheFolder() {
    return "models--" + repo.replace("/", "--");
  }

  /** {@return the id as written: {@code org/name}, with {@code @revision} unless it is main} */
  @Override
  public String toString() {
    return revision.equals(MAIN) ? repo : repo + "@" + revision;
  }
}
