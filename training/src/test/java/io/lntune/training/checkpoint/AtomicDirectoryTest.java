package io.lntune.training.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic directories: their mode, and the leftovers of interrupted writes that a rerun removes. */
class AtomicDirectoryTest {
  @TempDir Path dir;

  @Test
  void aCommittedDirectoryIsReadableByAll() throws IOException {
    Path target = dir.resolve("checkpoint-000001");
    Path tmp = AtomicDirectory.begin(target);
    Files.writeString(tmp.resolve("state.json"), "{}");
    AtomicDirectory.commit(tmp, target);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
        .isEqualTo("rwxr-xr-x");
  }

  @Test
  void leftoversOfInterruptedWritesAreRemovedAndNothingElse() throws IOException {
    Path unfinishedCheckpoint = AtomicDirectory.begin(dir.resolve("checkpoint-000040"));
    Files.write(unfinishedCheckpoint.resolve("checkpoint.safetensors"), new byte[1024]);
    Path replaced = Files.createDirectory(dir.resolve(".checkpoint-000020.old-123456789"));
    Path unfinishedExport =
        Files.createTempFile(dir, ".trainable.safetensors.", ".tmp"); // SafetensorsWriter's name
    Path kept = Files.createDirectory(dir.resolve("checkpoint-000020"));
    Files.writeString(dir.resolve("metrics.jsonl"), "{}\n");
    Files.writeString(dir.resolve(".hidden-notes"), "mine");

    assertThat(AtomicDirectory.removeLeftovers(dir))
        .containsExactlyInAnyOrder(unfinishedCheckpoint, replaced, unfinishedExport);
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              kept.getFileName().toString(), "metrics.jsonl", ".hidden-notes");
    }
    assertThat(AtomicDirectory.removeLeftovers(dir.resolve("absent"))).isEmpty();
  }
}
