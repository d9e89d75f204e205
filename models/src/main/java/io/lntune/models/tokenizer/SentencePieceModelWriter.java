package io.lntune.models.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a SentencePiece BPE {@code tokenizer.model} for a small closed world of text, such as the
 * synthetic shapes world: every word of the corpus becomes one token (its prefixes are pieces too,
 * so that BPE's merges reach it), other text falls back to characters and bytes. The result is an
 * ordinary LLaMA-style model (identity normaliser, dummy prefix, byte fallback, unk 0, bos 1, eos
 * 2) that {@link Tokenizer} and Google's SentencePiece both read.
 *
 * <pre>{@code
 * byte[] model = SentencePieceModelWriter.forCorpus(List.of("the red square is at the top left"));
 * Files.write(dir.resolve("tokenizer.model"), model);
 * Tokenizer tok = Tokenizer.load(dir);          // "the red square" -> 3 ids
 * }</pre>
 */
public final class SentencePieceModelWriter {
  private static final Pattern TOKENS = Pattern.compile("\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]");
  private static final String SPACE = "\u2581";

  private SentencePieceModelWriter() {}

  /** {@return the serialised model for the words and symbols of {@code corpus}} */
  public static byte[] forCorpus(Iterable<String> corpus) {
    Set<String> words = new LinkedHashSet<>();
    Set<String> chars = new LinkedHashSet<>();
    for (String text : corpus) {
      Matcher m = TOKENS.matcher(text);
      while (m.find()) {
        words.add(m.group());
        m.group().codePoints().forEach(c -> chars.add(new String(Character.toChars(c))));
      }
    }
    List<String> normal = new ArrayList<>();
    normal.add(SPACE);
    normal.addAll(chars);
    Set<String> merged = new LinkedHashSet<>();
    for (String w : words) {
      for (String form : new String[] {SPACE + w, w}) { // after a space, and glued to punctuation
        for (int end = 2; end <= form.length(); end++) {
          merged.add(form.substring(0, end));
        }
      }
    }
    merged.removeAll(normal);
    normal.addAll(merged);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    piece(out, "<unk>", 0f, 2);
    piece(out, "<s>", 0f, 3);
    piece(out, "</s>", 0f, 3);
    for (int b = 0; b < 256; b++) {
      piece(out, String.format("<0x%02X>", b), 0f, 6);
    }
    for (int i = 0; i < normal.size(); i++) {
      piece(out, normal.get(i), -i, 1); // earlier (shorter) pieces merge first
    }
    ByteArrayOutputStream trainer = new ByteArrayOutputStream();
    varintField(trainer, 3, 2); // model_type BPE
    varintField(trainer, 35, 1); // byte_fallback
    bytesField(out, 2, trainer.toByteArray());
    ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
    bytesField(normalizer, 1, "identity".getBytes(StandardCharsets.UTF_8));
    varintField(normalizer, 3, 1); // add_dummy_prefix
    varintField(normalizer, 4, 0); // remove_extra_whitespaces
    varintField(normalizer, 5, 1); // escape_whitespaces
    bytesField(out, 3, normalizer.toByteArray());
    return out.toByteArray();
  }

  private static void piece(ByteArrayOutputStream out, String text, float score, int type) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    bytesField(p, 1, text.getBytes(StandardCharsets.UTF_8));
    tag(p, 2, 5);
    int bits = Float.floatToIntBits(score);
    for (int i = 0; i < 4; i++) {
      p.write(bits >>> (8 * i));
    }
    varintField(p, 3, type);
    bytesField(out, 1, p.toByteArray());
  }

  private static void tag(ByteArrayOutputStream out, int field, int wireType) {
    varint(out, ((long) field << 3) | wireType);
  }

  private static void varintField(ByteArrayOutputStream out, int field, long value) {
    tag(out, field, 0);
    varint(out, value);
  }

  private static void bytesField(ByteArrayOutputStream out, int field, byte[] bytes) {
    tag(out, field, 2);
    varint(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
