package io.lntune.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.LntuneException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune tokenize}: text to SentencePiece ids as JSON, or ids back to text with {@code
 * --decode}.
 */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    description = {
      "Print the token ids of a text as a JSON array, or of every line of a JSONL file (objects with a \"text\" "
          + "field) one array per line.",
      "With --decode, the reverse: --text takes a JSON array of ids and prints the text; --in takes one array "
          + "(or an object with an \"ids\" field) per line and prints {\"text\": ...} per line."
    })
final class TokenizeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(
      names = "--tokenizer",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "FILE|DIR|ID",
      description =
          "A SentencePiece tokenizer.model, or a model directory with it and its tokenizer JSON files (or "
              + "a model id in the Hugging Face cache).")
  Path tokenizer;

  @ArgGroup(multiplicity = "1")
  Input input;

  static final class Input {
    @Option(
        names = "--text",
        required = true,
        description = "The text (or, with --decode, a JSON array of ids).")
    String text;

    @Option(
        names = "--in",
        required = true,
        paramLabel = "FILE.jsonl",
        description = "A JSONL file, one input per line.")
    Path in;
  }

  @Option(
      names = "--decode",
      description = "Turn ids into text instead. Default: ${DEFAULT-VALUE}.")
  boolean decode;

  @Option(
      names = "--special-tokens",
      description =
          "Add BOS/EOS as the tokenizer's config says (Hugging Face's tokenizer(text)). Default: "
              + "${DEFAULT-VALUE}: SentencePiece's ids alone.")
  boolean specialTokens;

  @Override
  public Integer call() throws IOException {
    Tokenizer tok = Tokenizer.load(tokenizer);
    PrintWriter out = spec.commandLine().getOut();
    if (input.text != null) {
      out.println(
          decode
              ? tok.decode(ids(parse(input.text, "--text"), "--text"))
              : encode(tok, input.text));
      return 0;
    }
    try (BufferedReader lines = Files.newBufferedReader(input.in)) {
      int number = 0;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        String where = input.in + ":" + number;
        JsonNode node = parse(line, where);
        if (decode) {
          JsonNode ids = node.isObject() ? node.get("ids") : node;
          out.println(JSON.writeValueAsString(Map.of("text", tok.decode(ids(ids, where)))));
        } else {
          JsonNode text = node.get("text");
          if (text == null || !text.isTextual()) {
            throw bad(where, "expected an object with a \"text\" string");
          }
          out.println(encode(tok, text.asText()));
        }
      }
    } catch (IOException e) {
      throw new LntuneException(input.in + ": cannot read: " + e, e);
    }
    return 0;
  }

  private String encode(Tokenizer tok, String text) throws JsonProcessingException {
    return JSON.writeValueAsString(specialTokens ? tok.encodeForModel(text) : tok.encode(text));
  }

  private static JsonNode parse(String line, String where) {
    try {
      return JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw bad(where, "not JSON: " + e.getOriginalMessage());
    }
  }

  private static int[] ids(JsonNode node, String where) {
    if (node == null || !node.isArray()) {
      throw bad(where, "expected a JSON array of token ids");
    }
    int[] ids = new int[node.size()];
    for (int i = 0; i < ids.length; i++) {
      if (!node.get(i).canConvertToInt()) {
        throw bad(where, "id " + node.get(i) + " is not an integer");
      }
      ids[i] = node.get(i).asInt();
    }
    return ids;
  }

  /**
   * A bad {@code --text} is a usage error (status 2); a bad line of the {@code --in} file, a
   * failure (status 1).
   */
  private static RuntimeException bad(String where, String problem) {
    String message = where + ": " + problem;
    return where.startsWith("--")
        ? new IllegalArgumentException(message)
        : new LntuneException(message);
  }
}
