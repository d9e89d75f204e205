package io.lntune.models.load;

import io.lntune.torch.LntuneException;
import java.util.List;

/**
 * A checkpoint does not fit a model. One exception lists every problem at once: keys the model
 * needs that the checkpoint lacks, keys the checkpoint has that the model does not use, and tensors
 * of the wrong shape or dtype.
 */
public class StateDictMismatchException extends LntuneException {
  private static final long serialVersionUID = 1L;

  private final List<String> missing;
  private final List<String> unexpected;
  private final List<String> wrongShape;
  private final List<String> wrongDtype;

  public StateDictMismatchException(
      String source,
      List<String> missing,
      List<String> unexpected,
      List<String> wrongShape,
      List<String> wrongDtype) {
    super(message(source, missing, unexpected, wrongShape, wrongDtype));
    this.missing = List.copyOf(missing);
    this.unexpected = List.copyOf(unexpected);
    this.wrongShape = List.copyOf(wrongShape);
    this.wrongDtype = List.copyOf(wrongDtype);
  }

  private static String message(
      String source,
      List<String> missing,
      List<String> unexpected,
      List<String> wrongShape,
      List<String> wrongDtype) {
    StringBuilder sb = new StringBuilder(source).append(" does not fit the model:");
    section(sb, "missing", missing);
    section(sb, "unexpected", unexpected);
    section(sb, "wrong shape", wrongShape);
    section(sb, "wrong dtype", wrongDtype);
    return sb.toString();
  }

  private static void section(StringBuilder sb, String title, List<String> items) {
    if (!items.isEmpty()) {
      sb.append("\n  ")
          .append(items.size())
          .append(' ')
          .append(title)
          .append(": ")
          .append(String.join(", ", items));
    }
  }

  /** {@return checkpoint keys the model needs but the checkpoint lacks} */
  public List<String> missing() {
    return missing;
  }

  /** {@return checkpoint keys no parameter uses} */
  public List<String> unexpected() {
    return unexpected;
  }

  /** {@return one {@code "key: checkpoint [a, b], model [c, d]"} entry per shape mismatch} */
  public List<String> wrongShape() {
    return wrongShape;
  }

  /**
   * {@return one {@code "key: checkpoint I64, model F32"} entry per dtype that cannot be converted}
   */
  public List<String> wrongDtype() {
    return wrongDtype;
  }
}
