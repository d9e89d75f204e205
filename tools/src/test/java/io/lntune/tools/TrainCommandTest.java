package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.LayerNormTuner;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.training.data.Subset;
import io.lntune.training.run.RunDefaults;
import io.lntune.training.run.RunSettings;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCommandTest {
  @TempDir Path dir;

  /**
   * Every builder setter has an option (or is Java-only by design), and every mapped option exists.
   */
  @Test
  void optionsMapOneToOneOntoTheBuilder() {
    Set<String> setters =
        Arrays.stream(LayerNormTuner.Builder.class.getDeclaredMethods())
            .filter(m -> Modifier.isPublic(m.getModifiers()) && !m.getName().equals("build"))
            .map(Method::getName)
            .collect(Collectors.toSet());
    Set<String> covered = new HashSet<>(TrainCommand.SETTERS.values());
    covered.addAll(TrainCommand.API_ONLY);
    covered.add("imageRoot"); // part of trainData(json, imageRoot): --data and --image-root
    assertThat(covered).containsAll(setters);
    assertThat(setters).containsAll(TrainCommand.SETTERS.values());
    Set<String> options =
        new CommandLine(new TrainCommand())
            .getCommandSpec().options().stream()
                .map(o -> o.longestName())
                .collect(Collectors.toSet());
    assertThat(options).containsAll(TrainCommand.SETTERS.keySet());
  }

  /**
   * What {@code lntune train} passes on when an option is not given is what the builder does when a
   * setting is not set: for every setting but the ones the command always chooses itself (the
   * model, tokenizer and data it loads, its base model name, its listeners), with the LoRA options
   * too.
   */
  @Test
  void defaultsAreTheBuildersForEveryOption() throws Exception {
    assertThat(new CommandLine(new TrainCommand()).getCommandSpec().options())
        .filteredOn(
            o ->
                o.userObject() instanceof Field field
                    && field.getDeclaringClass() == TrainCommand.class)
        .as("defaults come from RunDefaults, not from annotations")
        .allSatisfy(o -> assertThat(o.defaultValue()).as(o.longestName()).isNull());
    String help = new CommandLine(new TrainCommand()).getUsageMessage().replaceAll("\\s+", " ");
    assertThat(help)
        .as("the help shows them")
        .contains("--batch-size=<batchSize> Default: " + RunDefaults.BATCH_SIZE)
        .contains("STOP or SKIP. Default: " + RunDefaults.NAN_POLICY)
        .contains("LoRA rank. Default: " + RunDefaults.LORA.r());
    TrainFixture f = TrainFixture.create(dir);
    Set<String> chosenByTheCommand =
        Set.of("model", "tokenizer", "imageTransform", "baseModelName", "listeners");
    try (LlavaModel model = LlavaModel.load(f.model(), Placement.cpu(DType.F32))) {
      Tokenizer tok = Tokenizer.load(f.model());
      List<String> required =
          List.of(
              "--model",
              f.model().toString(),
              "--data",
              f.data().toString(),
              "--image-root",
              f.images().toString(),
              "--output",
              dir.resolve("out").toString());
      for (List<String> chosen : List.of(List.<String>of(), List.of("--strategy", "LORA"))) {
        TrainCommand command = new TrainCommand();
        new CommandLine(command)
            .parseArgs(Stream.concat(required.stream(), chosen.stream()).toArray(String[]::new));
        RunSettings cli =
            command.builder(model, tok, Subset.parse(command.subset)).build().settings();
        LayerNormTuner.Builder unset =
            LayerNormTuner.builder()
                .model(model)
                .tokenizer(tok)
                .trainData(f.data(), f.images())
                .outputDir(dir.resolve("out"));
        if (!chosen.isEmpty()) {
          unset.strategy(Strategy.LORA);
        }
        RunSettings builder = unset.build().settings();
        for (RecordComponent c : RunSettings.class.getRecordComponents()) {
          if (!chosenByTheCommand.contains(c.getName())) {
            Object fromCli = c.getAccessor().invoke(cli);
            Object fromBuilder = c.getAccessor().invoke(builder);
            if (fromCli
                instanceof
                Selection) { // a class without equals; its toString is what run.json records
              fromCli = fromCli.toString();
              fromBuilder = fromBuilder.toString();
            }
            assertThat(fromCli).as(chosen + " " + c.getName()).isEqualTo(fromBuilder);
          }
        }
      }
    }
  }

  @Test
  void trainsFromFlagsAndAConfigFile() throws Exception {
    TrainFixture f = TrainFixture.create(dir);
    Path config = dir.resolve("train.json");
    Files.writeString(
        config,
        "{\"strategy\": \"LAYERNORM_SIMPLE\", \"lr\": 0.05, \"batch-size\": 2, \"max-steps\": 9}");
    Path out = dir.resolve("out");
    String[] args =
        f.train(
            "--config",
            config.toString(),
            "--max-steps",
            "3",
            "--output",
            out.toString(),
            "--export-merged");
    CliRun r = CliRun.of(args);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("trained 3 steps")
        .contains("trainable tensors: ")
        .contains("PEFT adapter: ");
    assertThat(Files.readString(out.resolve("run.json")))
        .contains("\"learning_rate\" : 0.05")
        .contains("LAYERNORM_SIMPLE")
        .contains("\"batch_size\" : 2")
        .contains("\"max_steps\" : 3");
    assertThat(out.resolve("checkpoint-000003/checkpoint.safetensors")).exists();
    assertThat(out.resolve("llava-merged/config.json")).exists();
    assertThat(out.resolve("llava-merged/tokenizer.model")).exists();
    assertThat(r.out()).contains("merged checkpoint: " + out.resolve("llava-merged"));

    Files.delete(out.resolve("trainable.safetensors"));
    CliRun again = CliRun.of(args);
    assertThat(again.code()).as("a finished run reruns as a no-op: " + again.err()).isZero();
    assertThat(again.out()).contains("nothing left to train: " + out + " is complete at step 3");
    assertThat(out.resolve("trainable.safetensors")).as("missing exports rewritten").exists();

    String runJson = Files.readString(out.resolve("run.json"));
    String[] otherRate = Arrays.copyOf(args, args.length + 2);
    otherRate[args.length] = "--lr";
    otherRate[args.length + 1] = "0.1";
    CliRun refused = CliRun.of(otherRate);
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err())
        .contains(
            out.resolve("checkpoint-000003")
                + " was trained with other settings than "
                + "this run's: learning_rate: checkpoint 0.05, now 0.1")
        .contains("--resume-anyway");
    assertThat(Files.readString(out.resolve("run.json")))
        .as("run.json still describes the artifacts")
        .isEqualTo(runJson);
    String[] anyway = Arrays.copyOf(otherRate, otherRate.length + 1);
    anyway[otherRate.length] = "--resume-anyway";
    CliRun resumed = CliRun.of(anyway);
    assertThat(resumed.code()).as(resumed.err()).isZero();
  }

  @Test
  void exportsTheLlavaHfLayoutInTheDtypeAskedFor() throws Exception {
    TrainFixture f = TrainFixture.create(dir);
    Path out = dir.resolve("out");
    CliRun r =
        CliRun.of(
            f.train(
                "--max-steps",
                "1",
                "--batch-size",
                "2",
                "--output",
                out.toString(),
                "--export-format",
                "llava-hf",
                "--export-dtype",
                "bf16"));
    assertThat(r.code()).as(r.err()).isZero();
    Path merged = out.resolve("llava-hf-merged");
    assertThat(r.out()).contains("merged checkpoint: " + merged);
    assertThat(Files.readString(merged.resolve("config.json")))
        .contains("\"image_token_index\" : 32001")
        .contains("\"torch_dtype\" : \"bfloat16\"");
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(merged)) {
      assertThat(ckpt.info("language_model.model.norm.weight").dtype()).isEqualTo(DType.BF16);
    }
    try (SafetensorsFile delta = SafetensorsFile.open(out.resolve("trainable.safetensors"))) {
      assertThat(delta.info("model.norm.weight").dtype()).isEqualTo(DType.BF16);
    }
  }

  @Test
  void aModelIdThatIsNeitherLocalNorCachedNamesWhereItWasLookedFor() {
    CliRun r =
        CliRun.of(
            "train", "--model", "lntune-test/not-cached", "--data", "x.json", "--output", "out");
    assertThat(r.code()).isNotZero();
    assertThat(r.err())
        .contains("'lntune-test/not-cached' not found; looked at:")
        .contains(
            Path.of("lntune-test/not-cached").toAbsolutePath() + ": no such file or directory")
        .contains("models--lntune-test--not-cached: not in the Hugging Face cache")
        .contains("huggingface-cli download lntune-test/not-cached");
  }

  @Test
  void invalidSettingsAreUsageErrorsNamingTheirOptions() throws Exception {
    TrainFixture f = TrainFixture.create(dir);
    CliRun r =
        CliRun.of(
            f.train(
                "--output",
                dir.resolve("bad").toString(),
                "--batch-size",
                "0",
                "--lr",
                "-1",
                "--grad-accum",
                "0",
                "--workers",
                "0",
                "--weight-decay",
                "-0.5",
                "--max-grad-norm",
                "-1"));
    assertThat(r.code()).isEqualTo(CliErrors.USAGE);
    assertThat(r.err().strip())
        .startsWith("lntune: invalid settings: ")
        .contains("--lr must be > 0, got -1.0")
        .contains("--weight-decay must be >= 0, got -0.5")
        .contains("--batch-size must be >= 1, got 0")
        .contains("--grad-accum must be >= 1, got 0")
        .contains("--workers must be >= 1, got 0")
        .contains("--max-grad-norm must be > 0, got -1.0")
        .doesNotContain("batchSize");
    assertThat(dir.resolve("bad")).doesNotExist();

    Path file = Files.writeString(dir.resolve("a-file"), "x");
    CliRun places =
        CliRun.of(
            "train",
            "--model",
            f.model().toString(),
            "--data",
            f.images().toString(),
            "--image-root",
            dir.resolve("absent").toString(),
            "--output",
            file.toString());
    assertThat(places.code()).isEqualTo(CliErrors.USAGE);
    assertThat(places.err().strip())
        .contains("--data " + f.images() + " is not a file")
        .contains("--image-root " + dir.resolve("absent") + " is not a directory")
        .contains("--output " + file + " is a file, not a directory");
  }
}
