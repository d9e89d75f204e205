package io.lntune.training.data;

import java.util.Objects;

/**
 * One message of a LLaVA conversation: {@code {"from": "human"|"gpt", "value": "..."}}.
 *
 * <pre>{@code
 * new Turn("human", "<image>\nWhat colour is the square?");
 * }</pre>
 *
 * @param from who speaks: {@code human} or {@code gpt}
 * @param value the text
 */
public record Turn(String from, String value) {
  public static final String HUMAN = "human";
  public static final String GPT = "gpt";

  public Turn {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(value, "value");
  }

  public boolean isHuman() {
    return from.equals(HUMAN);
  }
}
