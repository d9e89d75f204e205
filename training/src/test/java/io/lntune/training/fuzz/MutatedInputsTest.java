package io.lntune.training.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.image.ImageDecoder;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.TinyLlava;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.torch.safetensors.SafetensorsWriter;
import io.lntune.torch.safetensors.TensorInfo;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.LlavaJson;
import io.lntune.training.data.LlavaSample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few hundred mutated inputs, seeded so that every run feeds the same ones, through the loaders a
 * user's files reach first: safetensors headers, config.json files, LLaVA JSON rows and PNG/JPEG
 * headers. Each must load or fail with an {@link LntuneException} naming what is wrong; any other
 * exception fails the test, and a JVM crash fails the build.
 */
class MutatedInputsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CASES = 120;
  private static final Tokenizer TOK =
      Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"));
  private static final AtomicInteger FED = new AtomicInteger();
  private static final AtomicInteger REFUSED = new AtomicInteger();

  @TempDir static Path dir;

  @BeforeAll
  static void count() {
    FED.set(0);
    REFUSED.set(0);
  }

  @AfterAll
  static void report() {
    System.out.printf(
        "mutated inputs: %d fed, %d refused with a clear error, the rest loaded%n",
        FED.get(), REFUSED.get());
  }

  /**
   * Runs {@code load}; an LntuneException whose message names {@code where} (the file, or the
   * sample) is a clean refusal, anything else fails naming the case.
   */
  private static void feed(String what, String where, Runnable load) {
    FED.incrementAndGet();
    try (TensorScope scope = TensorScope.open()) {
      load.run();
    } catch (LntuneException e) {
      REFUSED.incrementAndGet();
      assertThat(e.getMessage()).as(what).contains(where);
    } catch (RuntimeException | Error e) {
      throw new AssertionError(what + ": " + e, e);
    }
  }

  @Test
  void safetensorsHeaders() throws IOException {
    Path good = dir.resolve("good.safetensors");
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> t = new LinkedHashMap<>();
      t.put("model.norm.weight", randn(8));
      t.put("lm_head.weight", randn(4, 8));
      SafetensorsWriter.write(good, t, Map.of("format", "pt"));
    }
    byte[] bytes = Files.readAllBytes(good);
    int headerEnd = 8 + (int) (bytes[0] & 0xff);
    Random random = new Random(1);
    for (int i = 0; i < CASES; i++) {
      byte[] m = bytes.clone();
      String how;
      switch (i % 4) {
        case 0 -> { // flip bytes inside the JSON header
          for (int k = 0; k < 1 + random.nextInt(4); k++) {
            m[8 + random.nextInt(headerEnd - 8)] = (byte) random.nextInt(256);
          }
          how = "header bytes flipped";
        }
        case 1 -> { // a number in the header made huge, negative or fractional
          String header = new String(m, 8, headerEnd - 8, StandardCharsets.UTF_8);
          String[] numbers = {
            "-1", "9223372036854775807", "1e30", "0.5", "4294967296", "18446744073709551616"
          };
          String changed =
              header.replaceFirst("\\d+(?=[,\\]])", numbers[random.nextInt(numbers.length)]);
          m = withHeader(m, headerEnd, changed);
          how = "header number replaced";
        }
        case 2 -> { // the length field
          long length = random.nextBoolean() ? random.nextLong() : random.nextInt(bytes.length * 2);
          for (int b = 0; b < 8; b++) {
            m[b] = (byte) (length >>> (8 * b));
          }
          how = "length field " + length;
        }
        default -> { // cut anywhere
          m = java.util.Arrays.copyOf(m, random.nextInt(bytes.length));
          how = "truncated to " + m.length;
        }
      }
      Path file = dir.resolve("mutated-" + i + ".safetensors");
      Files.write(file, m);
      feed(
          "safetensors case " + i + " (" + how + ")",
          file.toString(),
          () -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
              for (TensorInfo info : f.tensors()) {
                f.tensor(info.name()).sum().item_double(); // touch every byte the header claims
              }
            }
          });
    }
  }

  private static byte[] withHeader(byte[] file, int headerEnd, String header) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[8 + json.length + file.length - headerEnd];
    for (int b = 0; b < 8; b++) {
      out[b] = (byte) ((long) json.length >>> (8 * b));
    }
    System.arraycopy(json, 0, out, 8, json.length);
    System.arraycopy(file, headerEnd, out, 8 + json.length, file.length - headerEnd);
    return out;
  }

  @Test
  void configFiles() throws IOException {
    Path model;
    try (LlavaModel tiny = TinyLlava.random(3)) {
      model = TinyLlava.original(tiny, dir.resolve("llava"), true);
    }
    ObjectNode good = (ObjectNode) JSON.readTree(model.resolve("config.json").toFile());
    List<String> fields = new ArrayList<>();
    good.fieldNames().forEachRemaining(fields::add);
    JsonNode[] values = {
      JSON.nullNode(),
      JSON.getNodeFactory().numberNode(-1),
      JSON.getNodeFactory().numberNode(0),
      JSON.getNodeFactory().numberNode((1L << 32) + 2),
      JSON.getNodeFactory().numberNode(1e12),
      JSON.getNodeFactory().numberNode(0.5),
      JSON.getNodeFactory().textNode("bogus"),
      JSON.getNodeFactory().booleanNode(true),
      JSON.createArrayNode(),
      JSON.createObjectNode()
    };
    Random random = new Random(2);
    for (int i = 0; i < CASES; i++) {
      ObjectNode m = good.deepCopy();
      String field = fields.get(random.nextInt(fields.size()));
      String how;
      if (i % 5 == 0) {
        m.remove(field);
        how = "without " + field;
      } else {
        JsonNode v = values[random.nextInt(values.length)];
        m.set(field, v);
        how = field + " = " + v;
      }
      Path dirI = Files.createDirectories(dir.resolve("config-" + i));
      Files.writeString(dirI.resolve("config.json"), JSON.writeValueAsString(m));
      feed(
          "config case " + i + " (" + how + ")",
          dirI.toString(),
          () -> {
            LlavaConfig c = LlavaConfig.read(dirI);
            new LlavaModel(c, Placement.meta(DType.F32)).close(); // shapes only: no memory
          });
    }
  }

  @Test
  void llavaJsonRows() throws IOException {
    ConversationTemplate v1 = ConversationTemplate.forName("vicuna_v1");
    Tokenizer tok = TOK.withPadToken(v1.padToken());
    ObjectNode good =
        (ObjectNode)
            JSON.readTree(
                "{\"id\": \"000000215677\", \"image\": \"coco/215677.jpg\", "
                    + "\"conversations\": [{\"from\": \"human\", \"value\": \"<image>\\nWhat is on the plate?\"}, {\"from\": "
                    + "\"gpt\", \"value\": \"A sandwich.\"}, {\"from\": \"human\", \"value\": \"Is it cut?\"}, {\"from\": "
                    + "\"gpt\", \"value\": \"Yes, in half.\"}]}");
    JsonNode[] values = {
      JSON.nullNode(),
      JSON.getNodeFactory().numberNode(7),
      JSON.getNodeFactory().textNode(""),
      JSON.getNodeFactory().textNode("<image><image>"),
      JSON.getNodeFactory().textNode("</s> ASSISTANT: USER:"),
      JSON.getNodeFactory().textNode("\uD83D\uDE00\u0000\uFFFF"),
      JSON.createArrayNode(),
      JSON.createObjectNode(),
      JSON.getNodeFactory().textNode("bot")
    };
    Random random = new Random(3);
    for (int i = 0; i < CASES; i++) {
      ObjectNode m = good.deepCopy();
      ArrayNode turns = (ArrayNode) m.get("conversations");
      String how;
      switch (i % 4) {
        case 0 -> {
          String field = List.of("id", "image", "conversations").get(random.nextInt(3));
          JsonNode v = values[random.nextInt(values.length)];
          m.set(field, v);
          how = field + " = " + v;
        }
        case 1 -> {
          int turn = random.nextInt(turns.size());
          String key = random.nextBoolean() ? "from" : "value";
          JsonNode v = values[random.nextInt(values.length)];
          ((ObjectNode) turns.get(turn)).set(key, v);
          how = "turn " + turn + " " + key + " = " + v;
        }
        case 2 -> {
          int turn = random.nextInt(turns.size());
          turns.remove(turn);
          how = "turn " + turn + " removed";
        }
        default -> {
          turns.insert(
              random.nextInt(turns.size() + 1), turns.get(random.nextInt(turns.size())).deepCopy());
          how = "a turn repeated";
        }
      }
      feed(
          "row case " + i + " (" + how + ")",
          "sample ",
          () -> {
            LlavaSample s = LlavaJson.sample(m, 0);
            v1.tokenize(s, tok, ImageMarkup.BARE);
          });
    }
  }

  @Test
  void imageHeaders() throws IOException {
    BufferedImage picture = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 12; y++) {
      for (int x = 0; x < 20; x++) {
        picture.setRGB(x, y, (x * 12) << 16 | (y * 20) << 8 | (x + y) * 8);
      }
    }
    Random random = new Random(4);
    for (String format : List.of("png", "jpg")) {
      Path goodFile = dir.resolve("good." + format);
      ImageIO.write(picture, format.equals("jpg") ? "jpeg" : format, goodFile.toFile());
      byte[] bytes = Files.readAllBytes(goodFile);
      for (int i = 0; i < CASES / 2; i++) {
        byte[] m = bytes.clone();
        String how;
        if (i % 3 == 2) {
          m = java.util.Arrays.copyOf(m, random.nextInt(bytes.length));
          how = "truncated to " + m.length;
        } else {
          int at =
              random.nextInt(
                  Math.min(bytes.length, 64)); // the header: signature, IHDR or SOI/APP0/DQT
          m[at] = (byte) random.nextInt(256);
          if (i % 3 == 1) {
            m[(at + 1) % m.length] = (byte) 0xff;
          }
          how = "byte " + at + " changed";
        }
        Path file = dir.resolve("mutated-" + i + "." + format);
        Files.write(file, m);
        feed(
            format + " case " + i + " (" + how + ")",
            file.toString(),
            () -> ImageDecoder.read(file));
      }
    }
  }
}
