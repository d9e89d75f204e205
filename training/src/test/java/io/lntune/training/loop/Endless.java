package io.lntune.training.loop;

import java.util.Iterator;
import java.util.function.LongFunction;

/**
 * Test data without end: item {@code i} is {@code make(i)}, from a given position (as a resumed run
 * asks).
 */
public final class Endless {
  private Endless() {}

  public static <T> Iterator<T> from(long start, LongFunction<T> make) {
    return new Iterator<>() {
      long next = start;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public T next() {
        return make.apply(next++);
      }
    };
  }
}
