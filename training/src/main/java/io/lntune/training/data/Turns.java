package io.lntune.training.data;

import java.util.List;

/** Checks on a sample's turns that every template makes before rendering. */
final class Turns {
  private Turns() {}

  /**
   * {@return the sample's turns, with the image moved to the front of its turn (and written in
   * {@code markup}) when the sample has one}
   */
  static List<Turn> prepared(LlavaSample s, ImageMarkup markup) {
    List<Turn> turns =
        s.hasImage() ? LlavaText.moveImageToFront(s.conversations(), markup) : s.conversations();
    check(s.id(), turns);
    return turns;
  }

  /** Every turn is from human or gpt, no message is blank, and there is a reply. */
  static void check(String id, List<Turn> turns) {
    if (turns.isEmpty()) {
      throw new SampleException(id, BadRow.MALFORMED_CONVERSATION, "no turns");
    }
    boolean reply = false;
    for (int i = 0; i < turns.size(); i++) {
      Turn t = turns.get(i);
      if (!t.from().equals(Turn.HUMAN) && !t.from().equals(Turn.GPT)) {
        throw new SampleException(
            id,
            BadRow.MALFORMED_CONVERSATION,
            "turn " + i + " is from '" + t.from() + "', expected human or gpt");
      }
      if (LlavaText.strip(t.value()).isEmpty()) {
        throw new SampleException(
            id,
            t.isHuman() ? BadRow.MALFORMED_CONVERSATION : BadRow.EMPTY_REPLY,
            "turn " + i + " (" + t.from() + ") is empty");
      }
      reply |= !t.isHuman();
    }
    if (!reply) {
      throw new SampleException(id, BadRow.MALFORMED_CONVERSATION, "no reply from gpt");
    }
  }

  /**
   * LLaVA's v1 and llama_2 preprocessing: a leading gpt turn is dropped, then turns must alternate
   * human, gpt.
   */
  static List<Turn> alternating(String id, List<Turn> turns) {
    List<Turn> out = turns.get(0).isHuman() ? turns : turns.subList(1, turns.size());
    for (int j = 0; j < out.size(); j++) {
      String expected = j % 2 == 0 ? Turn.HUMAN : Turn.GPT;
      if (!out.get(j).from().equals(expected)) {
        throw new SampleException(
            id,
            BadRow.MALFORMED_CONVERSATION,
            "turns must alternate human, gpt: turn "
                + (j + turns.size() - out.size())
                + " is from "
                + out.get(j).from());
      }
    }
    check(id, out);
    return out;
  }
}
