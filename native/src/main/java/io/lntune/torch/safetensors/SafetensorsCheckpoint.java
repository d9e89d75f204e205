package io.lntune.torch.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;

/**
 * The tensors of a checkpoint: one {@code .safetensors} file, a Hugging Face directory (single file or
 * shards listed in {@code model.safetensors.index.json}), or an index file. Every shard is opened and
 * validated up front; tensors are read lazily and zero-copy, as in {@link SafetensorsFile}.
 *
 * <pre>{@code
 * try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(Path.of("/models/vicuna-7b-v1.5"))) {
 *   System.out.println(ckpt.names().size() + " tensors, " + ckpt.parameterCount() + " parameters");
 *   Tensor w = ckpt.tensor("model.embed_tokens.weight", DType.BF16);
 * }
 * }</pre>
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEFAULT_INDEX = "model.safetensors.index.json";

  private final Path source;
  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> owner; // tensor name -> file holding it, sorted by name

  private SafetensorsCheckpoint(Path source, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
    this.source = source;
    this.files = List.copyOf(files);
    this.owner = Collections.unmodifiableMap(owner);
  }

  /**
   * Opens a {@code .safetensors} file, a {@code *.safetensors.index.json} file, or a directory holding either,
   * chosen as Hugging Face does: {@code model.safetensors.index.json}, else {@code model.safetensors}, else the
   * directory's only index or only {@code .safetensors} file.
   *
   * @throws SafetensorsException naming the file at fault: missing files or shards, malformed files or index,
   *     a tensor listed in the index but absent from its shard (or present but not listed), a name in two files
   */
  public static SafetensorsCheckpoint open(Path path) {
    if (Files.isDirectory(path)) {
      Path index = findIndex(path);
      return index != null ? openIndex(index) : openFiles(path, List.of(singleFileIn(path)));
    }
    if (!Files.exists(path)) {
      throw new SafetensorsException(path, "no such file or directory");
    }
    if (path.getFileName().toString().endsWith(".index.json")) {
      return openIndex(path);
    }
    return openFiles(path, List.of(path));
  }

  private static Path findIndex(Path dir) {
    Path preferred = dir.resolve(DEFAULT_INDEX);
    if (Files.isRegularFile(preferred)) {
      return preferred;
    }
    List<Path> indexes = list(dir, ".safetensors.index.json");
    if (indexes.size() > 1) {
      throw new SafetensorsException(dir, "holds several checkpoint indexes " + names(indexes)
          + ": open the one you mean");
    }
    return indexes.isEmpty() ? null : indexes.get(0);
  }

  private static Path singleFileIn(Path dir) {
    Path preferred = dir.resolve("model.safetensors");
    if (Files.isRegularFile(preferred)) {
      return preferred;
    }
    List<Path> found = list(dir, ".safetensors");
    if (found.isEmpty()) {
      List<Path> bins = list(dir, ".bin");
      throw new SafetensorsException(dir, "holds no *.safetensors file"
          + (bins.isEmpty() ? "" : " (found " + names(bins) + ": convert PyTorch pickles to safetensors first)"));
    }
    if (found.size() > 1) {
      throw new SafetensorsException(dir, "holds several .safetensors files " + names(found)
          + " but neither model.safetensors nor an index: open the file you mean");
    }
    return found.get(0);
  }

  private static List<Path> list(Path dir, String suffix) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      throw new SafetensorsException(dir, null, "cannot list: " + e.getMessage(), e);
    }
  }

  private static String names(List<Path> paths) {
    return paths.stream().map(p -> p.getFileName().toString()).toList().toString();
  }

  private static SafetensorsCheckpoint openFiles(Path source, List<Path> paths) {
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Map<String, SafetensorsFile> owner = new TreeMap<>();
      for (Path p : paths) {
        SafetensorsFile f = SafetensorsFile.open(p);
        opened.add(f);
        for (TensorInfo t : f.tensors()) {
          SafetensorsFile other = owner.put(t.name(), f);
          if (other != null) {
            throw new SafetensorsException(p, t.name(), "tensor '" + t.name() + "' is also in "
                + other.path().getFileName());
          }
        }
      }
      return new SafetensorsCheckpoint(source, opened, owner);
    } catch (RuntimeException e) {
      opened.forEach(SafetensorsFile::close);
      throw e;
    }
  }

  private static SafetensorsCheckpoint openIndex(Path index) {
    Map<String, String> weightMap = readWeightMap(index);
    Map<String, Path> shards = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : weightMap.entrySet()) {
      Path shard = shards.computeIfAbsent(e.getValue(), name -> shardPath(index, e.getKey(), name));
      if (!Files.isRegularFile(shard)) {
        throw new SafetensorsException(index, e.getKey(), "shard " + e.getValue() + " (holding tensor '" + e.getKey()
            + "') does not exist in " + index.getParent());
      }
    }
    SafetensorsCheckpoint ckpt = openFiles(index, new ArrayList<>(shards.values()));
    try {
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        SafetensorsFile f = ckpt.owner.get(e.getKey());
        if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
          throw new SafetensorsException(index, e.getKey(), "tensor '" + e.getKey() + "' is listed in shard "
              + e.getValue() + " but " + (f == null ? "no shard holds it" : "is in " + f.path().getFileName()));
        }
      }
      for (String name : ckpt.owner.keySet()) {
        if (!weightMap.containsKey(name)) {
          throw new SafetensorsException(index, name, "tensor '" + name + "' in shard "
              + ckpt.owner.get(name).path().getFileName() + " is not listed in the index's weight_map");
        }
      }
      return ckpt;
    } catch (RuntimeException e) {
      ckpt.close();
      throw e;
    }
  }

  private static Map<String, String> readWeightMap(Path index) {
    JsonNode root;
    try {
      root = JSON.readTree(index.toFile());
    } catch (IOException e) {
      throw new SafetensorsException(index, null, "is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new SafetensorsException(index, "has no \"weight_map\" object mapping tensor names to shard files");
    }
    Map<String, String> out = new LinkedHashMap<>();
    map.fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual()) {
        throw new SafetensorsException(index, e.getKey(), "weight_map entry '" + e.getKey()
            + "' must name a shard file, got " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().textValue());
    });
    return out;
  }

  private static Path shardPath(Path index, String tensor, String shard) {
    Path dir = index.toAbsolutePath().getParent();
    Path resolved = dir.resolve(shard).normalize();
    if (!resolved.getParent().equals(dir.normalize())) {
      throw new SafetensorsException(index, tensor, "shard name '" + shard + "' must be a file next to the index");
    }
    return resolved;
  }

  /** {@return what was opened: a file, an index or a directory} */
  public Path source() {
    return source;
  }

  /** {@return the opened files, one per shard} */
  public List<SafetensorsFile> files() {
    return files;
  }

  /** {@return every tensor name, sorted} */
  public java.util.Set<String> names() {
    return owner.keySet();
  }

  public boolean contains(String name) {
    return owner.containsKey(name);
  }

  /** {@return the header entry of {@code name}} @throws SafetensorsException if absent */
  public TensorInfo info(String name) {
    return file(name).info(name);
  }

  /** {@return the file holding {@code name}} @throws SafetensorsException if absent */
  public SafetensorsFile file(String name) {
    SafetensorsFile f = owner.get(name);
    if (f == null) {
      throw new SafetensorsException(source, name, "no tensor named '" + name + "'");
    }
    return f;
  }

  /** See {@link SafetensorsFile#tensor(String)}. */
  public Tensor tensor(String name) {
    return file(name).tensor(name);
  }

  /** See {@link SafetensorsFile#tensor(String, DType)}. */
  public Tensor tensor(String name, DType dtype) {
    return file(name).tensor(name, dtype);
  }

  /** See {@link SafetensorsFile#tensor(String, DType, Device)}. */
  public Tensor tensor(String name, DType dtype, Device device) {
    return file(name).tensor(name, dtype, device);
  }

  /** {@return the total number of elements} */
  public long parameterCount() {
    return owner.keySet().stream().mapToLong(n -> info(n).numel()).sum();
  }

  /** {@return the total size of the tensor data in bytes} */
  public long byteSize() {
    return owner.keySet().stream().mapToLong(n -> info(n).byteSize()).sum();
  }

  /** Closes every shard; tensors already read stay valid (see {@link SafetensorsFile#close()}). */
  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
