package io.lntune.training.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A LLaVA JSON file opened for training: one streaming pass records where each selected entry
 * starts and ends, LLaVA's modality length (words in the conversation, negative for text-only
 * samples) and its {@link SampleType}; entries are then read back one at a time from the file. A
 * 665K-entry file costs about 24 bytes of memory per entry, and no image is touched until a batch
 * needs it. Entries that are malformed, or that the filter rejects, are left out (the malformed
 * ones counted and reported under the bad-row policy); a {@link Subset} then keeps a seeded draw of
 * the rest.
 *
 * <pre>{@code
 * try (LlavaDataset data = LlavaDataset.open(Path.of("llava_v1_5_mix665k.json"), SampleFilter.all(),
 *     BadRowPolicy.SKIP, stats)) {
 *   LlavaSample first = data.sample(0);
 * }
 * LlavaDataset conversations = LlavaDataset.open(Path.of("conversation_58k.json"), SampleFilter.withImage(),
 *     Subset.parse("conversation:20000"), 42, BadRowPolicy.SKIP, stats);
 * }</pre>
 *
 * <p>{@link #sample} is thread-safe (positional reads of one file channel); close the dataset to
 * release the file.
 */
public final class LlavaDataset implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final FileChannel channel;
  private final long[] start;
  private final int[] byteLength;
  private final int[] modalityLength;
  private final String[] type;

  private LlavaDataset(
      Path file,
      FileChannel channel,
      long[] start,
      int[] byteLength,
      int[] modalityLength,
      String[] type) {
    this.file = file;
    this.channel = channel;
    this.start = start;
    this.byteLength = byteLength;
    this.modalityLength = modalityLength;
    this.type = type;
  }

  /**
   * Indexes {@code file}, keeping every sample {@code filter} keeps.
   *
   * @param filter which samples to keep
   * @param policy what to do with a malformed entry
   * @param stats where malformed entries are counted
   * @throws LntuneException if the file is not a JSON array; {@link SampleException} for a
   *     malformed entry under {@link BadRowPolicy#FAIL}
   */
  public static LlavaDataset open(
      Path file, SampleFilter filter, BadRowPolicy policy, DataStats stats) {
    return open(file, filter, Subset.all(), 0, policy, stats);
  }

  /**
   * Indexes {@code file}, keeping {@code subset} of the samples {@code filter} keeps, drawn with
   * {@code seed}.
   *
   * @param filter which samples to draw from
   * @param subset how many to keep, of which types ({@link SampleType}: each sample's field, else
   *     this file's name)
   * @param seed fixes the draw
   * @param policy what to do with a malformed entry
   * @param stats where malformed entries are counted
   * @throws LntuneException if the file is not a JSON array, or holds too few samples of a type the
   *     subset asks for; {@link SampleException} for a malformed entry under {@link
   *     BadRowPolicy#FAIL}
   */
  public static LlavaDataset open(
      Path file,
      SampleFilter filter,
      Subset subset,
      long seed,
      BadRowPolicy policy,
      DataStats stats) {
    int n = 0;
    long[] start = new long[1024];
    int[] length = new int[1024];
    int[] modality = new int[1024];
    String[] type = new String[1024];
    String fileType = SampleType.ofFile(file);
    Map<String, String> names = new HashMap<>(); // one String per type, shared by its samples
    try (JsonParser p = JSON.getFactory().createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new LntuneException(file + ": a LLaVA data file must hold a JSON array of samples");
      }
      for (int index = 0; ; index++) {
        JsonToken t = p.nextToken();
        if (t == JsonToken.END_ARRAY) {
          break;
        }
        if (t == null) {
          throw new LntuneException(file + ": the array is not closed (file truncated?)");
        }
        long from = p.currentTokenLocation().getByteOffset();
        JsonNode node = JSON.readTree(p);
        long to = p.currentLocation().getByteOffset();
        LlavaSample s;
        try {
          s = LlavaJson.sample(node, index);
        } catch (SampleException e) {
          stats.report(e, policy);
          continue;
        }
        if (!filter.test(s)) {
          continue;
        }
        if (n == start.length) {
          start = Arrays.copyOf(start, n * 2);
          length = Arrays.copyOf(length, n * 2);
          modality = Arrays.copyOf(modality, n * 2);
          type = Arrays.copyOf(type, n * 2);
        }
        start[n] = from;
        length[n] = Math.toIntExact(to - from);
        modality[n] = s.hasImage() ? words(s) : -words(s);
        type[n] = names.computeIfAbsent(SampleType.of(s, fileType), name -> name);
        n++;
      }
    } catch (IOException e) {
      throw new LntuneException(file + ": invalid JSON: " + e.getMessage(), e);
    }
    String[] types = Arrays.copyOf(type, n);
    int[] kept = subset.select(types, seed, file.toString());
    try {
      return new LlavaDataset(
          file,
          FileChannel.open(file, StandardOpenOption.READ),
          pick(start, kept),
          pick(length, kept),
          pick(modality, kept),
          Arrays.stream(kept).mapToObj(i -> types[i]).toArray(String[]::new));
    } catch (IOException e) {
      throw new LntuneException(file + ": cannot open: " + e.getMessage(), e);
    }
  }

  private static long[] pick(long[] values, int[] indices) {
    return Arrays.stream(indices).mapToLong(i -> values[i]).toArray();
  }

  private static int[] pick(int[] values, int[] indices) {
    return Arrays.stream(indices).map(i -> values[i]).toArray();
  }

  /** LLaVA's length estimate: whitespace-separated words over all turns, at least 1. */
  private static int words(LlavaSample s) {
    int words = 0;
    for (Turn t : s.conversations()) {
      boolean inWord = false;
      for (int i = 0; i < t.value().length(); i++) {
        boolean space = LlavaText.isPythonSpace(t.value().charAt(i));
        words += !space && !inWord ? 1 : 0;
        inWord = !space;
      }
    }
    return Math.max(1, words);
  }

  /** {@return the number of samples kept} */
  public int size() {
    return start.length;
  }

  /**
   * {@return LLaVA's modality length of sample {@code i}: positive with an image, negative without}
   */
  public int modalityLength(int i) {
    return modalityLength[i];
  }

  /** {@return the {@link SampleType} of sample {@code i}} */
  public String type(int i) {
    return type[i];
  }

  /** {@return sample {@code i}, read from the file} */
  public LlavaSample sample(int i) {
    ByteBuffer buf = ByteBuffer.allocate(byteLength[i]);
    try {
      while (buf.hasRemaining()) {
        if (channel.read(buf, start[i] + buf.position()) < 0) {
          throw new LntuneException(
              file + ": the file shrank while training (entry at byte " + start[i] + ")");
        }
      }
      return LlavaJson.sample(JSON.readTree(buf.array()), i);
    } catch (IOException e) {
      throw new LntuneException(
          file + ": cannot read the entry at byte " + start[i] + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new LntuneException(file + ": cannot close: " + e.getMessage(), e);
    }
  }
}
