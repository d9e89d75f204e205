package io.lntune.training.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokenizer files of an export: copied from the base model, plus the tokens the export added to
 * the vocabulary (llava-hf's {@code <image>} and {@code <pad>}) where Hugging Face's tokenizers
 * look for them: {@code added_tokens.json}, the {@code added_tokens_decoder} of {@code
 * tokenizer_config.json} when it has one (which then takes precedence), and {@code <pad>} as the
 * pad token.
 */
final class ExportedTokenizer {
  static final List<String> FILES =
      List.of(
          "tokenizer.model",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "added_tokens.json",
          "tokenizer.json");
  private static final Logger log = LoggerFactory.getLogger(ExportedTokenizer.class);

  private ExportedTokenizer() {}

  /**
   * Copies the tokenizer files from {@code from} (a model directory, or a {@code tokenizer.model})
   * into {@code to} and registers {@code added} there.
   *
   * @param source the source; empty to write none (a warning says the export lacks them)
   */
  static void copy(Optional<Path> source, Path to, Map<String, Long> added) throws IOException {
    if (source.isEmpty()
        || !(Files.isDirectory(source.get()) || Files.isRegularFile(source.get()))) {
      log.warn(
          "the export holds no tokenizer files ({}); Python loaders need them next to the weights",
          source.map(p -> p + " does not exist").orElse("none given"));
      return;
    }
    Path from = source.get();
    if (Files.isRegularFile(from)) {
      Files.copy(from, to.resolve("tokenizer.model"), StandardCopyOption.REPLACE_EXISTING);
    } else {
      for (String f : FILES) {
        if (Files.isRegularFile(from.resolve(f))) {
          Files.copy(from.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    if (!Files.isRegularFile(to.resolve("tokenizer.model"))) {
      log.warn(
          "{} holds no tokenizer.model, which LLaVA's slow tokenizer and lntune read: the export lacks it",
          from);
    }
    if (!added.isEmpty()) {
      register(to, added);
    }
  }

  private static void register(Path dir, Map<String, Long> added) {
    ObjectNode ids = ExportJson.readObject(dir.resolve("added_tokens.json"));
    added.forEach(ids::put);
    ExportJson.write(dir.resolve("added_tokens.json"), ids);
    ObjectNode config = ExportJson.readObject(dir.resolve("tokenizer_config.json"));
    if (config.has("added_tokens_decoder")) {
      ObjectNode decoder = config.with("added_tokens_decoder");
      added.forEach(
          (content, id) ->
              decoder
                  .putObject(Long.toString(id))
                  .put("content", content)
                  .put("lstrip", false)
                  .put("normalized", false)
                  .put("rstrip", false)
                  .put("single_word", false)
                  .put("special", true));
    }
    if (added.containsKey("<pad>")) {
      config.put("pad_token", "<pad>");
      ExportJson.write(
          dir.resolve("special_tokens_map.json"),
          ExportJson.readObject(dir.resolve("special_tokens_map.json")).put("pad_token", "<pad>"));
    }
    ExportJson.write(dir.resolve("tokenizer_config.json"), config);
  }
}
