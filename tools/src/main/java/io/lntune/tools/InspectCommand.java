package io.lntune.tools;

import io.lntune.torch.ByteSize;
import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.TensorEntry;
import io.lntune.torch.checkpoint.TensorFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lntune inspect FILE|DIR}: every tensor of a safetensors or PyTorch checkpoint, and the
 * totals.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Print every tensor (name, dtype, shape, bytes) and the totals of a safetensors file, a PyTorch "
          + "torch.save file (.bin, .pt), a sharded checkpoint's index, or a Hugging Face model directory.",
      "The file is validated as it is read: a malformed or unsafe file fails with a message naming the file and "
          + "tensor; nothing in a PyTorch pickle is run."
    })
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "FILE|DIR",
      description = "A .safetensors or .bin file, its *.index.json, or a directory.")
  Path path;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Checkpoint ckpt = Checkpoint.open(path)) {
      List<String[]> rows = ckpt.names().stream().map(n -> row(ckpt.info(n))).toList();
      int[] width = {"name".length(), "dtype".length(), "shape".length(), "bytes".length()};
      for (String[] r : rows) {
        for (int i = 0; i < width.length; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      String format =
          "%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %" + width[3] + "s%n";
      out.printf(format, "name", "dtype", "shape", "bytes");
      rows.forEach(r -> out.printf(format, (Object[]) r));
      out.printf(
          "%d tensors in %d file%s, %,d parameters, %,d bytes (%s)%n",
          rows.size(),
          ckpt.files().size(),
          ckpt.files().size() == 1 ? "" : "s",
          ckpt.parameterCount(),
          ckpt.byteSize(),
          ByteSize.format(ckpt.byteSize()));
      for (TensorFile f : ckpt.files()) {
        f.metadata()
            .forEach((k, v) -> out.printf("metadata %s: %s = %s%n", f.path().getFileName(), k, v));
      }
    }
    return 0;
  }

  private static String[] row(TensorEntry t) {
    return new String[] {
      t.name(),
      t.dtype().safetensorsName(),
      Arrays.toString(t.shape()),
      String.format("%,d", t.byteSize())
    };
  }
}
