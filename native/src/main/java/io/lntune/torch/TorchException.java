package io.lntune.torch;

/**
 * A libtorch operation failed. JavaCPP reports every {@code c10::Error} as a plain {@link
 * RuntimeException} whose message is the C++ text followed by a long C++ backtrace; this exception
 * keeps only the first line, prefixes our context (operation, shapes, file) and keeps the original
 * as the cause, backtrace included.
 *
 * <pre>{@code
 * Tensor y = Torch.call(() -> "linear " + Tensors.shape(x) + " x " + Tensors.shape(w), () -> linear(x, w));
 * // TorchException: linear [2, 3] x [4, 5]: mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)
 * }</pre>
 */
public class TorchException extends LntuneException {
  private static final long serialVersionUID = 1L;

  private final String nativeMessage;

  TorchException(String context, String nativeMessage, Throwable cause) {
    super(context + ": " + nativeMessage, cause);
    this.nativeMessage = nativeMessage;
  }

  /** {@return the first line of libtorch's own message, without our context} */
  public String nativeMessage() {
    return nativeMessage;
  }

  /**
   * Translates a failure raised by a JavaCPP call. lntune's own exceptions pass through unchanged,
   * as do Java exceptions that did not come from native code.
   *
   * @param context what was being done, e.g. {@code "matmul [2, 3] x [4, 5]"}
   * @param e what the call threw
   * @return the exception to throw
   */
  public static RuntimeException translate(String context, RuntimeException e) {
    if (e instanceof LntuneException) {
      return e;
    }
    boolean fromNative = e.getClass() == RuntimeException.class;
    boolean releasedPointer =
        e instanceof NullPointerException
            && String.valueOf(e.getMessage()).contains("pointer address is NULL");
    if (fromNative) {
      return new TorchException(context, firstLine(e.getMessage()), e);
    }
    if (releasedPointer) {
      return new TorchException(
          context,
          "a tensor or module was used after its memory scope closed or it was closed (keep it with TensorScope.keep)",
          e);
    }
    return e;
  }

  static String firstLine(String message) {
    if (message == null) {
      return "(libtorch gave no message)";
    }
    for (String line : message.split("\n")) {
      if (!line.isBlank()) {
        return line.strip();
      }
    }
    return "(libtorch gave no message)";
  }
}
