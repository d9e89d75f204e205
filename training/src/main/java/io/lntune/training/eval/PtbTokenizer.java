package io.lntune.training.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The caption tokenisation of the COCO caption evaluation ({@code pycocoevalcap}'s {@code
 * PTBTokenizer}): Penn Treebank-style tokens, lower-cased, with punctuation tokens removed. The
 * original runs Stanford CoreNLP's tokenizer; this is a rule-based equivalent for captions: clitics
 * split off ({@code don't} gives {@code do n't}, {@code dog's} gives {@code dog 's}), hyphenated
 * words and decimal numbers kept whole, every other punctuation mark a token of its own, and the
 * tokens the COCO evaluation drops ({@code . , ? ! : ; - -- ... ' `` '' ( ) [ ] { }}) dropped.
 *
 * <pre>{@code
 * PtbTokenizer.tokenize("A man's riding a horse, isn't he?");   // "a man 's riding a horse is n't he"
 * }</pre>
 */
public final class PtbTokenizer {
  /**
   * Words with inner hyphens, apostrophes, periods or commas between digits; or runs of
   * periods/dashes; or one mark.
   */
  private static final Pattern TOKEN =
      Pattern.compile(
          "\\d+(?:[.,]\\d+)+|[\\p{L}\\p{N}]+(?:[-'][\\p{L}\\p{N}]+)*|\\.{2,}|-{2,}|\\S");

  private static final Pattern CLITIC = Pattern.compile("(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$");
  private static final Set<String> DROPPED =
      Set.of(
          "''", "'", "``", "`", "(", ")", "[", "]", "{", "}", ".", "?", "!", ",", ":", "-", "--",
          "...", ";", "\"");

  private PtbTokenizer() {}

  /** {@return the tokens of {@code text}, joined by single spaces} */
  public static String tokenize(String text) {
    return String.join(" ", tokens(text));
  }

  /** {@return the tokens of {@code text}, lower-cased, punctuation dropped} */
  public static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT).replace('\u2019', '\''));
    while (m.find()) {
      String t = m.group();
      if (t.matches("-{3,}")) {
        t = "--";
      } else if (t.matches("\\.{4,}")) {
        t = "...";
      }
      Matcher clitic = CLITIC.matcher(t);
      if (clitic.matches() && t.indexOf('-') < 0) {
        out.add(clitic.group(1));
        out.add(clitic.group(2));
      } else if (!DROPPED.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }
}
