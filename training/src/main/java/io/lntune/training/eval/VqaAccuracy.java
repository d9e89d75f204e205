package io.lntune.training.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * VQA accuracy as the official VQA evaluation ({@code vqaEval.py}) computes it. The answer is
 * normalised ({@link #normalize}); each of the human answers is left out in turn and the answer
 * scores {@code min(1, matches among the other answers / 3)}; the accuracy is the mean over the ten
 * rounds. Human answers only lose their punctuation, and only when they are not all the same,
 * exactly as the official code does.
 *
 * <pre>{@code
 * VqaAccuracy.normalize("Two dogs.");           // "2 dogs"
 * VqaAccuracy.of("2", List.of("2", "2", "2", "two", ...));   // 3 of 10 say "2": 0.9
 * }</pre>
 */
public final class VqaAccuracy {
  private static final Map<String, String> NUMBERS =
      Map.ofEntries(
          Map.entry("none", "0"),
          Map.entry("zero", "0"),
          Map.entry("one", "1"),
          Map.entry("two", "2"),
          Map.entry("three", "3"),
          Map.entry("four", "4"),
          Map.entry("five", "5"),
          Map.entry("six", "6"),
          Map.entry("seven", "7"),
          Map.entry("eight", "8"),
          Map.entry("nine", "9"),
          Map.entry("ten", "10"));
  private static final Set<String> ARTICLES = Set.of("a", "an", "the");
  private static final List<String> PUNCT =
      List.of(
          ";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@",
          "`", ",", "?", "!");
  private static final Pattern COMMA_IN_NUMBER = Pattern.compile("(\\d)(,)(\\d)");

  /**
   * A period not followed by a digit (the official pattern's look-behind is malformed and never
   * applies).
   */
  private static final Pattern PERIOD = Pattern.compile("\\.(?!\\d)");

  /**
   * The official code passes {@code re.UNICODE} (32) where {@code re.sub} takes its count: at most
   * 32 periods go.
   */
  private static final int PERIODS_REMOVED = 32;

  private static final Pattern SPACES = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Map<String, String> CONTRACTIONS = contractions();

  private VqaAccuracy() {}

  /**
   * {@return the accuracy of {@code answer} against the human answers (normally ten), in [0, 1]}
   *
   * @throws IllegalArgumentException if there are no human answers
   */
  public static double of(String answer, List<String> humans) {
    if (humans.isEmpty()) {
      throw new IllegalArgumentException("VQA accuracy needs at least one human answer");
    }
    String res = normalize(answer);
    List<String> gts = new ArrayList<>(humans.size());
    boolean differ = new HashSet<>(humans).size() > 1;
    for (String h : humans) {
      gts.add(differ ? punctuation(h) : h);
    }
    double sum = 0;
    for (int left = 0; left < gts.size(); left++) {
      int matches = 0;
      for (int i = 0; i < gts.size(); i++) {
        if (i != left && gts.get(i).equals(res)) {
          matches++;
        }
      }
      sum += Math.min(1.0, matches / 3.0);
    }
    return sum / gts.size();
  }

  /**
   * {@return an answer as the official evaluation compares it}: tabs and newlines become spaces,
   * the ends are trimmed, punctuation is removed or becomes a space, periods not followed by a
   * digit go, words are lower-cased, number words become digits, articles are dropped and
   * contractions get their apostrophe.
   */
  public static String normalize(String answer) {
    return digitsAndArticles(punctuation(answer.replace('\n', ' ').replace('\t', ' ').strip()));
  }

  /** The official {@code processPunctuation}. */
  static String punctuation(String in) {
    String out = in;
    boolean numberWithComma = COMMA_IN_NUMBER.matcher(in).find();
    for (String p : PUNCT) {
      // decided on the original text: next to a space (or in a text with 1,000) it vanishes, else
      // it splits words
      boolean remove = in.contains(p + " ") || in.contains(" " + p) || numberWithComma;
      out = out.replace(p, remove ? "" : " ");
    }
    Matcher m = PERIOD.matcher(out);
    StringBuilder sb = new StringBuilder();
    int removed = 0;
    while (removed < PERIODS_REMOVED && m.find()) {
      m.appendReplacement(sb, "");
      removed++;
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** The official {@code processDigitArticle}. */
  static String digitsAndArticles(String in) {
    List<String> words = new ArrayList<>();
    for (String w : SPACES.split(in.toLowerCase(Locale.ROOT).strip())) {
      String word = NUMBERS.getOrDefault(w, w);
      if (!word.isEmpty() && !ARTICLES.contains(word)) {
        words.add(CONTRACTIONS.getOrDefault(word, word));
      }
    }
    return String.join(" ", words);
  }

  private static Map<String, String> contractions() {
    Map<String, String> out = new HashMap<>();
    try (InputStream in = VqaAccuracy.class.getResourceAsStream("vqa-contractions.tsv");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.startsWith("#")) {
          String[] kv = line.split("\t");
          out.put(kv[0], kv[1]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the VQA contractions table", e);
    }
    return Map.copyOf(out);
  }
}
