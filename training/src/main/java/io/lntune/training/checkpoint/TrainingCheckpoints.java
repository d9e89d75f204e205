package io.lntune.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.torch.safetensors.SafetensorsWriter;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.Trainable;
import io.lntune.training.optim.TrainableParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Self-contained training checkpoints: {@code checkpoint-000120/} holds {@code
 * checkpoint.safetensors} (the fp32 masters of every trainable tensor, the optimizer's moments,
 * libtorch's CPU random state) and {@code state.json} (step, data position, the run's
 * configuration). A checkpoint is written in a hidden temporary directory and renamed into place,
 * so a run killed at any moment leaves either the complete checkpoint or none.
 *
 * <pre>{@code
 * Path dir = TrainingCheckpoints.write(out, step, consumed, trainables, optimizer, config);
 * Optional<Path> last = TrainingCheckpoints.latest(out);
 * CheckpointState s = TrainingCheckpoints.restore(last.get(), trainables, optimizer);
 * }</pre>
 */
public final class TrainingCheckpoints {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "checkpoint-";
  static final String TENSORS = "checkpoint.safetensors";
  static final String STATE = "state.json";
  private static final String RNG = "rng.cpu";

  private TrainingCheckpoints() {}

  /** {@return the directory written, {@code outputDir/checkpoint-NNNNNN}} */
  public static Path write(
      Path outputDir,
      long step,
      long consumed,
      TrainableParameters trainables,
      AdamW optimizer,
      JsonNode config) {
    Path target = outputDir.resolve(String.format("%s%06d", PREFIX, step));
    try (TensorScope scope = TensorScope.open()) {
      Path tmp = AtomicDirectory.begin(target);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Trainable t : trainables.all()) {
        tensors.put("param." + t.name(), t.master());
      }
      optimizer.state().forEach((k, v) -> tensors.put("optim." + k, v));
      tensors.put(RNG, torch.getDefaultCPUGenerator().get_state());
      SafetensorsWriter.write(tmp.resolve(TENSORS), tensors, Map.of("format", "lntune-checkpoint"));
      ObjectNode state =
          JSON.createObjectNode()
              .put("step", step)
              .put("optimizer_steps", optimizer.steps())
              .put("micro_batches_consumed", consumed);
      state.set("config", config);
      Files.writeString(
          tmp.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
      AtomicDirectory.commit(tmp, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("writing checkpoint " + target, e);
    }
  }

  /**
   * {@return the step a checkpoint directory holds, read from its name ({@code checkpoint-000120}:
   * 120)}
   */
  public static long step(Path checkpoint) {
    String name = checkpoint.getFileName().toString();
    if (!name.matches(PREFIX + "\\d+")) {
      throw new IllegalArgumentException(
          checkpoint + " is not a checkpoint directory (" + PREFIX + "NNNNNN)");
    }
    return Long.parseLong(name.substring(PREFIX.length()));
  }

  /**
   * {@return the settings of the run that wrote {@code checkpoint}, as it recorded them in {@code
   * state.json}}
   *
   * @param checkpoint a checkpoint directory
   * @throws LntuneException if {@code state.json} is unreadable, not JSON, or records no settings
   */
  public static JsonNode config(Path checkpoint) {
    Path file = checkpoint.resolve(STATE);
    JsonNode state;
    try {
      state = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new LntuneException(
          file + ": cannot read the checkpoint's state: " + e.getMessage(), e);
    }
    if (state == null || !state.path("config").isObject()) {
      throw new LntuneException(
          file
              + ": the checkpoint's state records no run settings (\"config\"): a corrupt "
              + "or foreign checkpoint");
    }
    return state.get("config");
  }

  /**
   * Deletes all but the newest {@code keep} complete checkpoints under {@code outputDir}.
   *
   * @param outputDir a run's output directory
   * @param keep how many to keep, at least 1
   * @return the checkpoints deleted, oldest first
   * @throws UncheckedIOException if a checkpoint cannot be listed or deleted
   */
  public static List<Path> prune(Path outputDir, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep at least one checkpoint, got " + keep);
    }
    List<Path> all = complete(outputDir);
    List<Path> old = all.subList(0, Math.max(0, all.size() - keep));
    try {
      for (Path p : old) {
        AtomicDirectory.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deleting old checkpoints in " + outputDir, e);
    }
    return List.copyOf(old);
  }

  /**
   * {@return the newest complete checkpoint under {@code outputDir}, if any (temporary directories
   * ignored)}
   */
  public static Optional<Path> latest(Path outputDir) {
    List<Path> all = complete(outputDir);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** {@return the complete checkpoints under {@code outputDir}, oldest first} */
  private static List<Path> complete(Path outputDir) {
    if (!Files.isDirectory(outputDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(outputDir)) {
      return s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+"))
          .filter(
              p -> Files.isRegularFile(p.resolve(STATE)) && Files.isRegularFile(p.resolve(TENSORS)))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + outputDir, e);
    }
  }

  /**
   * Loads a checkpoint into the trainables (masters, then the model's copies), the optimizer and
   * libtorch's random state.
   *
   * @throws LntuneException naming the checkpoint and the tensor that does not fit
   */
  public static CheckpointState restore(Path dir, TrainableParameters trainables, AdamW optimizer) {
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(TENSORS));
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      for (Trainable t : trainables.all()) {
        String key = "param." + t.name();
        if (!f.contains(key)
            || !Arrays.equals(f.info(key).shape(), t.master().sizes().vec().get())) {
          throw new LntuneException(
              dir
                  + ": "
                  + key
                  + " is missing or has the wrong shape: the checkpoint belongs "
                  + "to a different model or strategy");
        }
        t.master().copy_(f.tensor(key));
      }
      trainables.syncToModel();
      Map<String, Tensor> moments = new LinkedHashMap<>();
      for (String name : optimizer.state().keySet()) {
        if (f.contains("optim." + name)) {
          moments.put(name, f.tensor("optim." + name));
        }
      }
      JsonNode state = JSON.readTree(dir.resolve(STATE).toFile());
      optimizer.restore(moments, state.get("optimizer_steps").asLong());
      torch.getDefaultCPUGenerator().set_state(f.tensor(RNG).clone());
      return new CheckpointState(
          state.get("step").asLong(),
          state.get("micro_batches_consumed").asLong(),
          state.get("config"));
    } catch (IOException e) {
      throw new UncheckedIOException("reading checkpoint " + dir, e);
    } catch (IllegalArgumentException e) {
      throw new LntuneException(dir + ": " + e.getMessage(), e);
    }
  }
}
