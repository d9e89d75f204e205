package io.lntune.models.llava;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The published checkpoints whose files the fixtures under {@code io/lntune/models/fixtures/}
 * reproduce with the sizes shrunk (see the README there): their {@code config.json}, tokenizer
 * files and {@code generation_config.json} with the real fields and values. {@link TinyLlava#real}
 * writes random weights next to them in each one's layout.
 *
 * <pre>{@code
 * Path dir = TinyLlava.real(RealRepo.LLAVA_HF, tmp.resolve("llava-1.5-7b-hf"), 7);
 * }</pre>
 */
public enum RealRepo {
  /**
   * {@code llava-hf/llava-1.5-7b-hf}: llava-hf layout, 32,064 rows, {@code <image>} 32000, {@code
   * <pad>} 32001.
   */
  LLAVA_HF(
      "llava-hf/llava-1.5-7b-hf",
      3,
      "config.json",
      "tokenizer_config.json",
      "special_tokens_map.json",
      "added_tokens.json",
      "generation_config.json"),
  /**
   * {@code liuhaotian/llava-v1.5-7b}: original layout, tower named by {@code mm_vision_tower}, pads
   * with unk.
   */
  LIUHAOTIAN(
      "liuhaotian/llava-v1.5-7b",
      2,
      "config.json",
      "tokenizer_config.json",
      "special_tokens_map.json",
      "generation_config.json"),
  /**
   * {@code liuhaotian/llava-v1.5-mlp2x-336px-pretrain-vicuna-7b-v1.5}: stage 1's config and
   * connector only.
   */
  PRETRAIN("liuhaotian/llava-v1.5-mlp2x-336px-pretrain-vicuna-7b-v1.5", 0, "config.json"),
  /**
   * {@code openai/clip-vit-large-patch14-336}: a full CLIP checkpoint (the vision tower LLaVA-1.5
   * uses).
   */
  CLIP("openai/clip-vit-large-patch14-336", 1, "config.json", "preprocessor_config.json");

  private final String hubId;
  private final int shards;
  private final List<String> files;

  RealRepo(String hubId, int shards, String... files) {
    this.hubId = hubId;
    this.shards = shards;
    this.files = List.of(files);
  }

  /** {@return the repository's id on the Hugging Face hub} */
  public String hubId() {
    return hubId;
  }

  /** {@return how many weight shards the published repository has (0: no model weights)} */
  public int shards() {
    return shards;
  }

  /** {@return the fixture files, as the repository names them} */
  public List<String> files() {
    return files;
  }

  /** Copies the fixture files into {@code dir}. */
  void copyFiles(Path dir) {
    try {
      Files.createDirectories(dir);
      for (String f : files) {
        String resource =
            "/io/lntune/models/fixtures/" + hubId.substring(hubId.indexOf('/') + 1) + "/" + f;
        try (InputStream in = RealRepo.class.getResourceAsStream(resource)) {
          if (in == null) {
            throw new IllegalStateException("missing test resource " + resource);
          }
          Files.copy(in, dir.resolve(f));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
