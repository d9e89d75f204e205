package io.lntune.training.data;

import io.lntune.torch.LntuneException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * How many samples of a dataset to use, for the paper's data-type ablation (random 20K against 20K
 * of one kind): all of them, {@code N} drawn at random, or {@code N} of each named type ({@link
 * SampleType}). The draw is fixed by a seed; the size is exact, and a dataset with too few samples
 * of a type is an error. Each type is drawn on its own, so {@code conversation:100} picks the same
 * samples whatever else is asked, and with the same seed the smaller of two subsets of a type is
 * part of the larger.
 *
 * <pre>{@code
 * Subset.parse("20000");                            // 20,000 samples at random
 * Subset.parse("conversation:20000");               // 20,000 conversations
 * Subset.parse("conversation:10000,detail:5000");   // 10,000 conversations and 5,000 detailed descriptions
 * int[] kept = subset.select(types, 42, "train.json");   // sorted indices into types
 * }</pre>
 *
 * @param parts what to draw; empty for all samples
 */
public record Subset(List<Part> parts) {
  private static final Subset ALL = new Subset(List.of());
  private static final String RULE =
      "a sample's type is its 'type' or 'source' field, else its file's name: "
          + "conversation*, detail*, complex_reasoning*";

  /**
   * One draw.
   *
   * @param type the samples' type; empty for samples of any type
   * @param count how many, at least 1
   */
  public record Part(Optional<String> type, int count) {
    /**
     * Checks the draw.
     *
     * @param type the record component {@link #type()}
     * @param count the record component {@link #count()}
     * @throws IllegalArgumentException if {@code count} is below 1, or {@code type} is blank or
     *     holds ',' or ':'
     */
    public Part {
      if (count < 1) {
        throw new IllegalArgumentException("a subset's count must be >= 1, got " + count);
      }
      if (type.filter(t -> t.isBlank() || t.contains(",") || t.contains(":")).isPresent()) {
        throw new IllegalArgumentException(
            "a subset's type must be a name without ',' or ':', got '" + type.get() + "'");
      }
    }

    /**
     * {@return a draw of {@code count} samples of any type}
     *
     * @throws IllegalArgumentException if {@code count} is below 1
     */
    public static Part any(int count) {
      return new Part(Optional.empty(), count);
    }

    /**
     * {@return a draw of {@code count} samples of {@code type}}
     *
     * @throws IllegalArgumentException if {@code count} is below 1, or {@code type} is blank or
     *     holds ',' or ':'
     */
    public static Part ofType(String type, int count) {
      return new Part(Optional.of(type), count);
    }

    /** {@return whether a sample of {@code sampleType} may be drawn} */
    boolean accepts(String sampleType) {
      return type.isEmpty() || type.get().equals(sampleType);
    }

    @Override
    public String toString() {
      return type.map(t -> t + ":").orElse("") + count;
    }
  }

  /**
   * Checks that the parts can be drawn together.
   *
   * @throws IllegalArgumentException if a type is named twice, or a random count comes with other
   *     parts
   */
  public Subset {
    parts = List.copyOf(parts);
    if (parts.stream().map(Part::type).distinct().count() < parts.size()) {
      throw new IllegalArgumentException("subset " + spec(parts) + " names a type twice");
    }
    if (parts.size() > 1 && parts.stream().anyMatch(p -> p.type().isEmpty())) {
      throw new IllegalArgumentException(
          "subset "
              + spec(parts)
              + " mixes a random count with typed counts: use "
              + "either N or type:N,type:N");
    }
  }

  /** {@return the subset of every sample} */
  public static Subset all() {
    return ALL;
  }

  /**
   * {@return {@code count} samples of any type, at random}
   *
   * @throws IllegalArgumentException if {@code count} is below 1
   */
  public static Subset random(int count) {
    return new Subset(List.of(Part.any(count)));
  }

  /**
   * {@return the subset {@code spec} names: {@code N} (at random), {@code type:N}, or several
   * {@code type:N} separated by commas; {@code all} for every sample}
   *
   * @throws IllegalArgumentException naming the spec and the expected form
   */
  public static Subset parse(String spec) {
    if (spec.strip().equals("all")) {
      return ALL;
    }
    List<Part> parts = new ArrayList<>();
    for (String item : spec.split(",", -1)) {
      int colon = item.lastIndexOf(':');
      try {
        int count = Integer.parseInt(item.substring(colon + 1).strip());
        parts.add(
            colon < 0 ? Part.any(count) : Part.ofType(item.substring(0, colon).strip(), count));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "subset '"
                + spec
                + "': '"
                + item
                + "' is not N or type:N (e.g. 20000 or "
                + "conversation:20000)",
            e);
      }
    }
    return new Subset(parts);
  }

  /** {@return whether this is every sample} */
  public boolean isAll() {
    return parts.isEmpty();
  }

  /**
   * {@return the indices of the samples drawn, ascending: every index for {@link #all()}}
   *
   * @param types each sample's type, by index
   * @param seed fixes the draw
   * @param source names the data in errors (its file)
   * @throws LntuneException if there are fewer samples of a type (or in all) than asked, listing
   *     the types found
   */
  public int[] select(String[] types, long seed, String source) {
    if (isAll()) {
      int[] every = new int[types.length];
      Arrays.setAll(every, i -> i);
      return every;
    }
    List<String> problems = new ArrayList<>();
    List<Integer> kept = new ArrayList<>();
    for (Part part : parts) {
      int[] candidates =
          IntStream.range(0, types.length).filter(i -> part.accepts(types[i])).toArray();
      if (candidates.length < part.count()) {
        problems.add(
            part.count()
                + part.type().map(t -> " of type " + t).orElse(" samples")
                + " asked, "
                + candidates.length
                + " there");
        continue;
      }
      // Forward partial Fisher-Yates: draw i depends only on i, so a smaller count takes a prefix
      // of a larger one.
      Random random = new Random(seed * 31 + part.type().map(String::hashCode).orElse(0));
      for (int i = 0; i < part.count(); i++) {
        int j = i + random.nextInt(candidates.length - i);
        int t = candidates[i];
        candidates[i] = candidates[j];
        candidates[j] = t;
        kept.add(candidates[i]);
      }
    }
    if (!problems.isEmpty()) {
      throw new LntuneException(
          source
              + ": subset "
              + this
              + " cannot be drawn: "
              + String.join("; ", problems)
              + " (types found: "
              + counts(types)
              + "; "
              + RULE
              + ")");
    }
    return kept.stream().mapToInt(Integer::intValue).sorted().toArray();
  }

  /** {@return how many samples there are of each type, by name} */
  private static Map<String, Integer> counts(String[] types) {
    return Arrays.stream(types)
        .collect(Collectors.toMap(t -> t, t -> 1, Integer::sum, TreeMap::new));
  }

  /** {@return the spec {@link #parse} reads back: {@code all}, {@code N} or {@code type:N,...}} */
  @Override
  public String toString() {
    return isAll() ? "all" : spec(parts);
  }

  private static String spec(List<Part> parts) {
    return parts.stream().map(Part::toString).collect(Collectors.joining(","));
  }
}
