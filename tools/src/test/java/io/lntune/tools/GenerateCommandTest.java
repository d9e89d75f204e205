package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llama.Generator;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GenerateCommandTest {
  @TempDir Path dir;

  @Test
  void continuesPromptsAsTheGeneratorDoes() throws Exception {
    // a random 32,000-token model next to the real LLaMA tokenizer (a test asset, not bundled)
    LlamaConfig c =
        new LlamaConfig(
            32,
            64,
            2,
            4,
            2,
            1e-5,
            10000.0,
            1.0,
            32000,
            128,
            false,
            1,
            List.of(2L),
            0,
            Optional.of(DType.F32));
    LlamaModel model = new LlamaModel(c, Placement.cpu(DType.F32));
    Init.normal(model, 0.3, 4);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), Modules.namedParameters(model));
    Map<String, Object> config =
        Map.of(
            "hidden_size",
            32,
            "intermediate_size",
            64,
            "num_hidden_layers",
            2,
            "num_attention_heads",
            4,
            "num_key_value_heads",
            2,
            "rms_norm_eps",
            1e-5,
            "vocab_size",
            32000,
            "max_position_embeddings",
            128,
            "bos_token_id",
            1,
            "eos_token_id",
            2);
    Files.writeString(dir.resolve("config.json"), new ObjectMapper().writeValueAsString(config));
    Files.copy(
        Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"),
        dir.resolve("tokenizer.model"));

    StringWriter out = new StringWriter();
    CommandLine cli = LntuneCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    int code =
        cli.execute(
            "generate",
            "--model",
            dir.toString(),
            "--prompt",
            "Hello world",
            "--prompt",
            "A cat",
            "--max-new-tokens",
            "6");
    assertThat(code).isZero();

    Tokenizer tok = Tokenizer.load(dir);
    List<Generator.Output> expected =
        Generator.generate(
            model,
            List.of(
                Arrays.stream(tok.encodeForModel("Hello world")).asLongStream().toArray(),
                Arrays.stream(tok.encodeForModel("A cat")).asLongStream().toArray()),
            GenerationConfig.greedy(6));
    String[] lines = out.toString().split("\n");
    assertThat(lines).hasSize(2);
    int[] continuation =
        Arrays.stream(expected.get(0).tokens()).mapToInt(Math::toIntExact).toArray();
    // printed as the whole sequence decodes, so the continuation keeps the space its first piece
    // starts with
    assertThat(lines[0])
        .isEqualTo(
            tok.decode(
                IntStream.concat(
                        Arrays.stream(tok.encodeForModel("Hello world")),
                        Arrays.stream(continuation))
                    .toArray()));
    assertThat(tok.sentencePiece().idToPiece(continuation[0])).startsWith("\u2581");
    assertThat(lines[0]).startsWith("Hello world ");
    assertThat(lines[1]).startsWith("A cat").hasSizeGreaterThan("A cat".length());

    // a stop string at the very start of the continuation leaves the prompt alone
    String first = lines[0].substring("Hello world".length(), "Hello world".length() + 1);
    CliRun stopped =
        CliRun.of(
            "generate",
            "--model",
            dir.toString(),
            "--prompt",
            "Hello world",
            "--max-new-tokens",
            "6",
            "--stop",
            first);
    assertThat(stopped.code()).as(stopped.err()).isZero();
    assertThat(stopped.out()).isEqualTo("Hello world\n");
    model.close();
  }
}
