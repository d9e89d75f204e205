package io.lntune.models.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {
  @TempDir Path dir;

  /**
   * A cached repository as huggingface_hub leaves it: refs naming commits, a snapshot per commit.
   */
  private static Path cache(Path root, String repoFolder, String ref, String commit)
      throws Exception {
    Path repo = root.resolve(repoFolder);
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(
        repo.resolve("refs").resolve(ref), commit); // no newline, as huggingface_hub writes it
    Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(commit));
    Files.writeString(snapshot.resolve("config.json"), "{}");
    return snapshot;
  }

  @Test
  void aModelIdResolvesThroughRefsMainToItsSnapshot() throws Exception {
    Path hub = dir.resolve("hub");
    Path snapshot =
        cache(
            hub,
            "models--openai--clip-vit-large-patch14-336",
            "main",
            "ce19dc912ca5cd21c8a653c79e251e");
    cache(hub, "models--openai--clip-vit-large-patch14-336", "v2", "0123abcd");
    ModelLocator locator =
        ModelLocator.of(Map.of("HF_HUB_CACHE", hub.toString()), dir.resolve("home"));
    assertThat(locator.locate("openai/clip-vit-large-patch14-336")).isEqualTo(snapshot);
    assertThat(locator.locate("openai/clip-vit-large-patch14-336@v2").getFileName())
        .hasToString("0123abcd");
    assertThat(locator.locate("openai/clip-vit-large-patch14-336@ce19dc912ca5cd21c8a653c79e251e"))
        .isEqualTo(snapshot);
  }

  @Test
  void localDirectoriesComeFirstThenTheCache() throws Exception {
    Path hub = dir.resolve("hub");
    cache(hub, "models--org--tower", "main", "abc");
    Path model = Files.createDirectories(dir.resolve("model"));
    Path inside = Files.createDirectories(model.resolve("org/tower"));
    ModelLocator locator = ModelLocator.of(Map.of("HF_HUB_CACHE", hub.toString()), dir);
    assertThat(locator.locate("org/tower", model)).isEqualTo(inside);
    assertThat(locator.locate(inside.toString())).isEqualTo(inside);
    assertThat(locator.locate("org/tower", dir.resolve("elsewhere")))
        .isEqualTo(hub.resolve("models--org--tower/snapshots/abc"));
    assertThat(locator.find("org/other")).isEmpty();
  }

  @Test
  void aMissNamesEveryPlaceLookedAt() throws Exception {
    Path hub = dir.resolve("hub");
    cache(hub, "models--org--half", "main", "abc");
    Files.writeString(
        hub.resolve("models--org--half/refs/main"), "def"); // a snapshot never fetched
    ModelLocator locator = ModelLocator.of(Map.of("HF_HUB_CACHE", hub.toString()), dir);
    Path model = dir.resolve("model");
    assertThatThrownBy(() -> locator.locate("org/missing", model))
        .isInstanceOf(ModelNotFoundException.class)
        .satisfies(
            e ->
                assertThat(((ModelNotFoundException) e).places())
                    .containsExactly(
                        Path.of("org/missing").toAbsolutePath() + ": no such file or directory",
                        model.resolve("org/missing") + ": no such file or directory",
                        hub.resolve("models--org--missing") + ": not in the Hugging Face cache"))
        .hasMessageContaining("huggingface-cli download org/missing");
    assertThatThrownBy(() -> locator.locate("org/half"))
        .hasMessageContaining(
            hub.resolve("models--org--half/snapshots/def")
                + ": no such snapshot (refs/main names commit def)");
    assertThatThrownBy(() -> locator.locate("org/half@v9"))
        .hasMessageContaining("(no refs/v9)")
        .hasMessageContaining("huggingface-cli download org/half --revision v9");
    assertThatThrownBy(() -> locator.locate("/no/such/dir"))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage(
            "'/no/such/dir' not found; looked at:\n  /no/such/dir: no such file or directory");
  }

  @Test
  void theCacheIsFoundAsHuggingfaceHubFindsIt() {
    Path home = Path.of("/home/u");
    assertThat(ModelLocator.of(Map.of(), home).hubCache())
        .isEqualTo(Path.of("/home/u/.cache/huggingface/hub"));
    assertThat(ModelLocator.of(Map.of("XDG_CACHE_HOME", "/xdg"), home).hubCache())
        .isEqualTo(Path.of("/xdg/huggingface/hub"));
    assertThat(ModelLocator.of(Map.of("XDG_CACHE_HOME", "/xdg", "HF_HOME", "/hf"), home).hubCache())
        .isEqualTo(Path.of("/hf/hub"));
    assertThat(
            ModelLocator.of(Map.of("HF_HOME", "/hf", "HUGGINGFACE_HUB_CACHE", "/legacy"), home)
                .hubCache())
        .isEqualTo(Path.of("/legacy"));
    assertThat(
            ModelLocator.of(
                    Map.of(
                        "HF_HOME",
                        "/hf",
                        "HUGGINGFACE_HUB_CACHE",
                        "/legacy",
                        "HF_HUB_CACHE",
                        "/new"),
                    home)
                .hubCache())
        .isEqualTo(Path.of("/new"));
    assertThat(ModelLocator.of(Map.of("HF_HOME", "~/hf"), home).hubCache())
        .isEqualTo(Path.of("/home/u/hf/hub"));
    assertThat(
            ModelLocator.of(Map.of("HF_HUB_CACHE", "${SCRATCH}/hub", "SCRATCH", "/scratch/u"), home)
                .hubCache())
        .isEqualTo(Path.of("/scratch/u/hub"));
    assertThat(ModelLocator.of(Map.of("HF_HUB_CACHE", "$UNSET/hub"), home).hubCache())
        .isEqualTo(Path.of("$UNSET/hub"));
  }

  @Test
  void modelIdsAreTheHubsAndPathsAreNot() {
    assertThat(RepoId.parse("openai/clip-vit-large-patch14-336"))
        .contains(new RepoId("openai/clip-vit-large-patch14-336", "main"));
    assertThat(RepoId.parse("gpt2").orElseThrow().cacheFolder()).isEqualTo("models--gpt2");
    assertThat(RepoId.parse("llava-hf/llava-1.5-7b-hf@refs/pr/3"))
        .contains(new RepoId("llava-hf/llava-1.5-7b-hf", "refs/pr/3"));
    assertThat(RepoId.parse("lmsys/vicuna-7b-v1.5@v1").orElseThrow())
        .hasToString("lmsys/vicuna-7b-v1.5@v1");
    for (String path :
        new String[] {
          "./x", "/models/x", "a/b/c", "../x", "a--b/c", "x/", "-x/y", "org/name@../x"
        }) {
      assertThat(RepoId.parse(path)).as(path).isEmpty();
    }
  }
}
