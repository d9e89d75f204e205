package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.TinyLlava;
import io.lntune.training.synth.SyntheticWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lntune train --subset}: an epoch is the subset, drawn from the synthetic world's typed
 * samples.
 */
class TrainSubsetTest {
  @TempDir Path dir;

  @Test
  void anEpochIsTheSubsetAndRunJsonRecordsIt() throws Exception {
    Path model = TinyLlava.withLlamaTokenizer(dir);
    SyntheticWorld.Summary world = new SyntheticWorld(12, 5, 16, 0).generate(dir.resolve("world"));
    Path out = dir.resolve("out");
    CliRun r =
        CliRun.of(
            "train",
            "--model",
            model.toString(),
            "--data",
            world.stage2Instruct().toString(),
            "--image-root",
            world.imageRoot().toString(),
            "--subset",
            "conversation:6,complex_reasoning:2",
            "--batch-size",
            "2",
            "--workers",
            "1",
            "--output",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).as("one epoch of 8 samples in batches of 2").contains("trained 4 steps");
    assertThat(Files.readString(out.resolve("run.json")))
        .contains("\"subset\" : \"conversation:6,complex_reasoning:2\"");

    CliRun other =
        CliRun.of(
            "train",
            "--model",
            model.toString(),
            "--data",
            world.stage2Instruct().toString(),
            "--image-root",
            world.imageRoot().toString(),
            "--subset",
            "conversation:8",
            "--batch-size",
            "2",
            "--workers",
            "1",
            "--output",
            out.toString());
    assertThat(other.code()).as("other data: no silent resume").isNotZero();
    assertThat(other.err())
        .contains(
            "subset: checkpoint \"conversation:6,complex_reasoning:2\", now \"conversation:8\"");
  }

  @Test
  void aBadSubsetIsAUsageErrorAndTooFewSamplesNameTheTypes() throws Exception {
    CliRun bad =
        CliRun.of(
            "train",
            "--model",
            dir.resolve("none").toString(),
            "--data",
            "x.json",
            "--output",
            dir.resolve("o").toString(),
            "--subset",
            "conversation:lots");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("subset 'conversation:lots'");

    Path model = TinyLlava.withLlamaTokenizer(dir);
    SyntheticWorld.Summary world = new SyntheticWorld(4, 5, 16, 0).generate(dir.resolve("world"));
    CliRun few =
        CliRun.of(
            "train",
            "--model",
            model.toString(),
            "--data",
            world.stage2Instruct().toString(),
            "--image-root",
            world.imageRoot().toString(),
            "--subset",
            "detail:5",
            "--output",
            dir.resolve("o").toString());
    assertThat(few.code()).isEqualTo(1);
    assertThat(few.err())
        .contains("5 of type detail asked, 4 there")
        .contains("complex_reasoning=4, conversation=4, detail=4");
  }
}
