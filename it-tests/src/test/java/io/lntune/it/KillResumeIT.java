package io.lntune.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training process killed with SIGKILL and started again resumes from its last complete
 * checkpoint and reproduces the uninterrupted run's losses exactly (LoRA with dropout: libtorch's
 * random state, the AdamW moments, the schedule and the data position all come back).
 */
class KillResumeIT {
  @TempDir Path dir;

  private List<String> command(TinyRun run, Path out) {
    return List.of(
        Processes.java(),
        "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
        "-Dlnt.progress=false",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp",
        System.getProperty("java.class.path"),
        "io.lntune.tools.LntuneCli",
        "train",
        "--model",
        run.model().toString(),
        "--data",
        run.data().toString(),
        "--image-root",
        run.imageRoot().toString(),
        "--strategy",
        "LORA",
        "--lora-r",
        "4",
        "--lora-dropout",
        "0.1",
        "--batch-size",
        "2",
        "--max-steps",
        "10",
        "--checkpoint-every",
        "2",
        "--lr",
        "0.01",
        "--seed",
        "3",
        "--output",
        out.toString());
  }

  private static Map<Long, Double> losses(Path metrics) throws Exception {
    Map<Long, Double> byStep =
        new TreeMap<>(); // a resumed run appends: the last line of a step wins
    for (String line : Files.readAllLines(metrics)) {
      JsonNode n = new ObjectMapper().readTree(line);
      if (n.get("type").asText().equals("step")) {
        byStep.put(n.get("step").asLong(), n.get("loss").asDouble());
      }
    }
    return byStep;
  }

  @Test
  void killedRunResumesExactly() throws Exception {
    TinyRun run = TinyRun.create(dir);
    Path whole = dir.resolve("whole");
    Processes.Result done =
        Processes.run(command(run, whole), Map.of("OMP_WAIT_POLICY", "PASSIVE"), 300);
    assertThat(done.exitCode()).as(done.output()).isZero();

    Path killed = dir.resolve("killed");
    ProcessBuilder pb =
        new ProcessBuilder(command(run, killed))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("killed.log").toFile());
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.isDirectory(killed.resolve("checkpoint-000004"))
        && p.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    p.destroyForcibly(); // SIGKILL
    p.waitFor(30, TimeUnit.SECONDS);
    assertThat(p.exitValue()).as("killed, not finished").isNotZero();
    List<String> left = new ArrayList<>();
    try (var s = Files.list(killed)) {
      s.forEach(f -> left.add(f.getFileName().toString()));
    }
    assertThat(left).contains("checkpoint-000004").doesNotContain("checkpoint-000010");

    Processes.Result resumed =
        Processes.run(command(run, killed), Map.of("OMP_WAIT_POLICY", "PASSIVE"), 300);
    assertThat(resumed.exitCode()).as(resumed.output()).isZero();
    Map<Long, Double> expected = losses(whole.resolve("metrics.jsonl"));
    Map<Long, Double> actual = losses(killed.resolve("metrics.jsonl"));
    assertThat(expected).hasSize(10);
    assertThat(actual).isEqualTo(expected);
  }
}
