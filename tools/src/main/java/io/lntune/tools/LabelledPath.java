package io.lntune.tools;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A run or adapter path as the analyses take it, {@code [LABEL=]PATH}, with the label that names it
 * in tables, charts and file names: the given one, or the run directory's name ({@code ln} for
 * {@code runs/ln}, {@code runs/ln/adapter} or {@code runs/ln/trainable.safetensors}).
 *
 * <pre>{@code
 * List<LabelledPath> runs = LabelledPath.parseAll(List.of("runs/ln", "full=runs/ft"), "RUN_DIR", Set.of());
 * }</pre>
 *
 * @param label the name, of letters, digits, '.', '_' and '-'
 * @param path the path
 */
record LabelledPath(String label, Path path) {
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._-]+");

  /**
   * {@return each spec parsed, with distinct labels}
   *
   * @param what the option or parameter the specs came from, for the error message
   * @param reserved labels that are taken already
   * @throws IllegalArgumentException if two specs (or one and a reserved name) have the same label
   */
  static List<LabelledPath> parseAll(List<String> specs, String what, Set<String> reserved) {
    List<LabelledPath> out = new ArrayList<>();
    Set<String> names = new HashSet<>(reserved);
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      boolean labelled = eq > 0 && LABEL.matcher(spec.substring(0, eq)).matches();
      Path path = Path.of(labelled ? spec.substring(eq + 1) : spec);
      String name = labelled ? spec.substring(0, eq) : defaultLabel(path);
      if (!names.add(name)) {
        throw new IllegalArgumentException(
            what
                + " "
                + spec
                + ": the label '"
                + name
                + "' is taken"
                + (reserved.isEmpty() ? "" : " (" + String.join(", ", reserved) + " are reserved)")
                + "; name it with LABEL=PATH");
      }
      out.add(new LabelledPath(name, path));
    }
    return out;
  }

  private static String defaultLabel(Path path) {
    Path p = path.toAbsolutePath().normalize();
    String name = p.getFileName() == null ? "run" : p.getFileName().toString();
    if ((name.equals("adapter") || name.equals("trainable.safetensors"))
        && p.getParent().getFileName() != null) {
      name = p.getParent().getFileName().toString();
    } else if (name.endsWith(".safetensors")) {
      name = name.substring(0, name.length() - ".safetensors".length());
    }
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
