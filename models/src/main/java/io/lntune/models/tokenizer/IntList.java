package io.lntune.models.tokenizer;

import java.util.Arrays;

/** A growable {@code int[]}, to collect ids without boxing. */
final class IntList {
  private int[] values;
  private int size;

  IntList(int capacity) {
    values = new int[Math.max(4, capacity)];
  }

  void add(int v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  void addAll(int[] vs) {
    for (int v : vs) {
      add(v);
    }
  }

  int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
