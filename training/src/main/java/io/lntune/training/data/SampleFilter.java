package io.lntune.training.data;

import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which samples of a LLaVA file to train on: by modality, by id pattern, or by the value of a
 * top-level field, e.g. conversation-only data (the paper's finding that conversational data alone
 * tunes LayerNorm efficiently).
 *
 * <pre>{@code
 * SampleFilter f = SampleFilter.withImage().and(SampleFilter.idMatches("conv_.*"));
 * SampleFilter g = SampleFilter.fieldEquals("type", "conversation");
 * }</pre>
 */
@FunctionalInterface
public interface SampleFilter extends Predicate<LlavaSample> {

  /** {@return a filter that keeps every sample} */
  static SampleFilter all() {
    return s -> true;
  }

  /** {@return a filter that keeps samples with an image} */
  static SampleFilter withImage() {
    return LlavaSample::hasImage;
  }

  /** {@return a filter that keeps text-only samples} */
  static SampleFilter textOnly() {
    return s -> !s.hasImage();
  }

  /**
   * {@return a filter that keeps samples whose whole id matches the regular expression {@code
   * regex}}
   */
  static SampleFilter idMatches(String regex) {
    Pattern p = Pattern.compile(regex);
    return s -> p.matcher(s.id()).matches();
  }

  /**
   * {@return a filter that keeps samples whose top-level field {@code name} has the text {@code
   * value}}
   */
  static SampleFilter fieldEquals(String name, String value) {
    Objects.requireNonNull(value, "value");
    return s -> value.equals(s.fields().get(name));
  }

  /** {@return a filter that keeps the samples both filters keep} */
  default SampleFilter and(SampleFilter other) {
    return s -> test(s) && other.test(s);
  }
}
