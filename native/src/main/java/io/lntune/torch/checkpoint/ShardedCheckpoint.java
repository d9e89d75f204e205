package io.lntune.torch.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A checkpoint of one format: a single file, a Hugging Face directory (single file or shards listed
 * in an {@code *.index.json}), or an index file. The index must match its shards exactly: every
 * listed tensor in the shard it names, every tensor of every shard listed, no name twice.
 * Subclasses fix the {@link FileFormat}.
 *
 * <pre>{@code
 * try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(Path.of("/models/vicuna-7b-v1.5"))) {
 *   PyTorchFile shard = ckpt.file("lm_head.weight");   // pytorch_model-00002-of-00002.bin
 * }
 * }</pre>
 *
 * @param <F> the file type
 */
public abstract class ShardedCheckpoint<F extends TensorFile> implements Checkpoint {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path source;
  private final FileFormat<F> format;
  private final List<F> files;
  private final Map<String, F> owner; // tensor name -> file holding it, sorted by name

  /**
   * Opens {@code path} (a file, an index or a directory holding either) in {@code format}: in a
   * directory its default index, else its default file, else its only index or only file.
   *
   * @throws CheckpointException (of the format's type) naming the file at fault
   */
  protected ShardedCheckpoint(Path path, FileFormat<F> format) {
    this.source = path;
    this.format = format;
    Map<String, F> byName = new TreeMap<>();
    this.files = List.copyOf(openAll(path, format, byName));
    this.owner = Collections.unmodifiableMap(byName);
  }

  /** {@return whether directory {@code dir} holds a file or index of {@code format}} */
  public static boolean holds(Path dir, FileFormat<?> format) {
    return !list(dir, format.suffix(), format).isEmpty()
        || !list(dir, format.indexSuffix(), format).isEmpty();
  }

  private static <F extends TensorFile> List<F> openAll(
      Path path, FileFormat<F> format, Map<String, F> owner) {
    if (Files.isDirectory(path)) {
      Path index = findIndex(path, format);
      return index != null
          ? openIndex(index, format, owner)
          : openFiles(List.of(singleFileIn(path, format)), format, owner);
    }
    if (!Files.exists(path)) {
      throw format.error(path, "no such file or directory");
    }
    if (path.getFileName().toString().endsWith(".index.json")) {
      return openIndex(path, format, owner);
    }
    return openFiles(List.of(path), format, owner);
  }

  private static Path findIndex(Path dir, FileFormat<?> format) {
    Path preferred = dir.resolve(format.defaultIndex());
    if (Files.isRegularFile(preferred)) {
      return preferred;
    }
    List<Path> indexes = list(dir, format.indexSuffix(), format);
    if (indexes.size() > 1) {
      throw format.error(
          dir, "holds several checkpoint indexes " + names(indexes) + ": open the one you mean");
    }
    return indexes.isEmpty() ? null : indexes.get(0);
  }

  private static Path singleFileIn(Path dir, FileFormat<?> format) {
    Path preferred = dir.resolve(format.defaultFile());
    if (Files.isRegularFile(preferred)) {
      return preferred;
    }
    List<Path> found = list(dir, format.suffix(), format);
    if (found.isEmpty()) {
      List<Path> others = list(dir, format.otherSuffix(), format);
      throw format.error(
          dir,
          "holds no *"
              + format.suffix()
              + " file"
              + (others.isEmpty()
                  ? ""
                  : " (found " + names(others) + ": " + format.otherHint() + ")"));
    }
    if (found.size() > 1) {
      throw format.error(
          dir,
          "holds several "
              + format.suffix()
              + " files "
              + names(found)
              + " but neither "
              + format.defaultFile()
              + " nor an index: open the file you mean");
    }
    return found.get(0);
  }

  private static List<Path> list(Path dir, String suffix, FileFormat<?> format) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw format.errors().create(dir, null, "cannot list: " + e.getMessage(), e);
    }
  }

  private static String names(List<Path> paths) {
    return paths.stream().map(p -> p.getFileName().toString()).toList().toString();
  }

  private static <F extends TensorFile> List<F> openFiles(
      List<Path> paths, FileFormat<F> format, Map<String, F> owner) {
    List<F> opened = new ArrayList<>();
    try {
      for (Path p : paths) {
        F f = format.opener().apply(p);
        opened.add(f);
        for (TensorEntry t : f.tensors()) {
          F other = owner.put(t.name(), f);
          if (other != null) {
            throw format.error(
                p, t.name(), "tensor '" + t.name() + "' is also in " + other.path().getFileName());
          }
        }
      }
      return opened;
    } catch (RuntimeException e) {
      opened.forEach(TensorFile::close);
      throw e;
    }
  }

  private static <F extends TensorFile> List<F> openIndex(
      Path index, FileFormat<F> format, Map<String, F> owner) {
    Map<String, String> weightMap = readWeightMap(index, format);
    Map<String, Path> shards = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : weightMap.entrySet()) {
      Path shard =
          shards.computeIfAbsent(e.getValue(), name -> shardPath(index, e.getKey(), name, format));
      if (!Files.isRegularFile(shard)) {
        throw format.error(
            index,
            e.getKey(),
            "shard "
                + e.getValue()
                + " (holding tensor '"
                + e.getKey()
                + "') does not exist in "
                + index.getParent());
      }
    }
    List<F> opened = openFiles(new ArrayList<>(shards.values()), format, owner);
    try {
      checkAgainstIndex(index, weightMap, owner, format);
      return opened;
    } catch (RuntimeException e) {
      opened.forEach(TensorFile::close);
      throw e;
    }
  }

  private static void checkAgainstIndex(
      Path index,
      Map<String, String> weightMap,
      Map<String, ? extends TensorFile> owner,
      FileFormat<?> format) {
    for (Map.Entry<String, String> e : weightMap.entrySet()) {
      TensorFile f = owner.get(e.getKey());
      if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
        throw format.error(
            index,
            e.getKey(),
            "tensor '"
                + e.getKey()
                + "' is listed in shard "
                + e.getValue()
                + " but "
                + (f == null ? "no shard holds it" : "is in " + f.path().getFileName()));
      }
    }
    for (String name : owner.keySet()) {
      if (!weightMap.containsKey(name)) {
        throw format.error(
            index,
            name,
            "tensor '"
                + name
                + "' in shard "
                + owner.get(name).path().getFileName()
                + " is not listed in the index's weight_map");
      }
    }
  }

  private static Map<String, String> readWeightMap(Path index, FileFormat<?> format) {
    JsonNode root;
    try {
      root = JSON.readTree(index.toFile());
    } catch (IOException e) {
      throw format.errors().create(index, null, "is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw format.error(index, "has no \"weight_map\" object mapping tensor names to shard files");
    }
    Map<String, String> out = new LinkedHashMap<>();
    map.fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isTextual()) {
                throw format.error(
                    index,
                    e.getKey(),
                    "weight_map entry '"
                        + e.getKey()
                        + "' must name a shard file, got "
                        + e.getValue());
              }
              out.put(e.getKey(), e.getValue().textValue());
            });
    return out;
  }

  private static Path shardPath(Path index, String tensor, String shard, FileFormat<?> format) {
    Path dir = index.toAbsolutePath().getParent();
    Path resolved = dir.resolve(shard).normalize();
    if (!resolved.getParent().equals(dir.normalize())) {
      throw format.error(
          index, tensor, "shard name '" + shard + "' must be a file next to the index");
    }
    return resolved;
  }

  @Override
  public Path source() {
    return source;
  }

  @Override
  public List<F> files() {
    return files;
  }

  @Override
  public Set<String> names() {
    return owner.keySet();
  }

  @Override
  public boolean contains(String name) {
    return owner.containsKey(name);
  }

  @Override
  public F file(String name) {
    F f = owner.get(name);
    if (f == null) {
      throw format.error(source, name, "no tensor named '" + name + "'");
    }
    return f;
  }

  @Override
  public void close() {
    files.forEach(TensorFile::close);
  }
}
