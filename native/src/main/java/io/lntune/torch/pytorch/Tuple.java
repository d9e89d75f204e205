package io.lntune.torch.pytorch;

import java.util.Collections;
import java.util.List;

/**
 * A Python tuple from a pickle (a list would be mutable, and pickles tell the two apart).
 *
 * @param items the elements, any of which may be null (Python's None)
 */
record Tuple(List<Object> items) {
  Tuple {
    items = Collections.unmodifiableList(items);
  }

  int size() {
    return items.size();
  }

  Object get(int i) {
    return items.get(i);
  }
}
