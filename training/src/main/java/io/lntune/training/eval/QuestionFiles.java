package io.lntune.training.eval;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads each benchmark's question files (formats in {@link Benchmark}) one question at a time. */
final class QuestionFiles {
  private QuestionFiles() {}

  /** Passes every question of {@code questions} to {@code sink}, in file order. */
  static void read(Benchmark b, Path questions, Path images, Consumer<EvalQuestion> sink) {
    if (!Files.exists(questions)) {
      throw new EvalDataException(questions + ": no such question file");
    }
    switch (b) {
      case MME -> mme(questions, images, sink);
      case POPE -> pope(questions, images, sink);
      case VQAV2 -> vqa(questions, images, sink);
      default -> captions(questions, images, sink);
    }
  }

  private static void mme(Path questions, Path images, Consumer<EvalQuestion> sink) {
    List<Path> files;
    if (Files.isDirectory(questions)) {
      try (Stream<Path> s = Files.list(questions)) {
        files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
      } catch (IOException e) {
        throw new EvalDataException(questions + ": cannot list: " + e.getMessage(), e);
      }
      if (files.isEmpty()) {
        throw new EvalDataException(questions + ": no MME <subtask>.txt question files");
      }
    } else {
      files = List.of(questions);
    }
    for (Path f : files) {
      String name = f.getFileName().toString();
      String subtask = name.substring(0, name.length() - ".txt".length());
      try (BufferedReader r = JsonInput.open(f)) {
        int line = 0;
        for (String s = r.readLine(); s != null; s = r.readLine()) {
          line++;
          if (s.isBlank()) {
            continue;
          }
          String[] cols = s.split("\t");
          String where = f + ":" + line;
          if (cols.length < 3) {
            throw new EvalDataException(
                where
                    + ": expected image, question and answer separated by tabs, got "
                    + cols.length
                    + " column(s)");
          }
          String truth = cols[2].strip().toLowerCase(Locale.ROOT);
          if (!truth.equals("yes") && !truth.equals("no")) {
            throw new EvalDataException(
                where + ": the answer must be Yes or No, got '" + cols[2] + "'");
          }
          Path image =
              existing(
                  where, images, subtask + "/" + cols[0], subtask + "/images/" + cols[0], cols[0]);
          sink.accept(
              new EvalQuestion(
                  new TextNode(subtask + "/" + cols[0]),
                  image,
                  cols[1],
                  subtask,
                  Optional.of(truth),
                  where));
        }
      } catch (IOException e) {
        throw new EvalDataException(f + ": cannot read: " + e.getMessage(), e);
      }
    }
  }

  private static void pope(Path questions, Path images, Consumer<EvalQuestion> sink) {
    String file = questions.getFileName().toString();
    Matcher m = Pattern.compile("pope_([a-z]+)").matcher(file);
    String split = m.find() ? m.group(1) : "all";
    for (Iterator<JsonInput.Located> it = JsonInput.lines(questions); it.hasNext(); ) {
      JsonInput.Located l = it.next();
      Optional<String> label =
          l.node().has("label") ? Optional.of(label(l, l.text("label"))) : Optional.empty();
      String category = l.node().has("category") ? l.text("category") : split;
      sink.accept(
          new EvalQuestion(
              l.field("question_id"),
              existing(l.where(), images, l.text("image")),
              l.text("text"),
              category,
              label,
              l.where()));
    }
  }

  /** {@return "yes" or "no"} @throws EvalDataException otherwise */
  static String label(JsonInput.Located l, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (!v.equals("yes") && !v.equals("no")) {
      throw new EvalDataException(
          l.where() + ": field 'label' must be yes or no, got '" + value + "'");
    }
    return v;
  }

  private static void vqa(Path questions, Path images, Consumer<EvalQuestion> sink) {
    if (questions.getFileName().toString().endsWith(".jsonl")) {
      for (Iterator<JsonInput.Located> it = JsonInput.lines(questions); it.hasNext(); ) {
        JsonInput.Located l = it.next();
        sink.accept(
            new EvalQuestion(
                l.field("question_id"),
                existing(l.where(), images, l.text("image")),
                l.text("text"),
                "",
                Optional.empty(),
                l.where()));
      }
      return;
    }
    String[] subtype = new String[1];
    JsonInput.forEach(
        questions,
        "questions",
        (i, l) -> {
          long imageId = number(l, "image_id");
          String id = String.format("%012d", imageId);
          String prefix = subtype[0] == null ? "" : "COCO_" + subtype[0] + "_";
          sink.accept(
              new EvalQuestion(
                  l.field("question_id"),
                  existing(
                      l.where(), images, prefix + id + ".jpg", prefix + id + ".png", id + ".jpg"),
                  l.text("question"),
                  "",
                  Optional.empty(),
                  l.where()));
        },
        (name, value) -> {
          if (name.equals("data_subtype")) {
            subtype[0] = value;
          }
        });
  }

  private static void captions(Path questions, Path images, Consumer<EvalQuestion> sink) {
    JsonInput.forEach(
        questions,
        "images",
        (i, l) ->
            sink.accept(
                new EvalQuestion(
                    IntNode.valueOf(Math.toIntExact(number(l, "id"))),
                    existing(l.where(), images, l.text("file_name")),
                    "",
                    "",
                    Optional.empty(),
                    l.where())),
        (name, value) -> {});
  }

  static long number(JsonInput.Located l, String field) {
    if (!l.field(field).canConvertToLong()) {
      throw new EvalDataException(
          l.where() + ": field '" + field + "' must be an integer, got " + l.field(field));
    }
    return l.field(field).asLong();
  }

  /**
   * {@return the first of {@code names} (paths relative to {@code images}) that exists} Like
   * training's image root, the image folder confines what a question file names: an absolute path,
   * {@code ..} or a link that leaves the folder is refused.
   *
   * @throws EvalDataException naming the path that leaves the folder, or every file looked for
   */
  private static Path existing(String where, Path images, String... names) {
    Path root = images.toAbsolutePath().normalize();
    List<Path> candidates = new ArrayList<>();
    for (String name : names) {
      Path file;
      try {
        file = Path.of(name).isAbsolute() ? null : root.resolve(name).normalize();
      } catch (InvalidPathException e) {
        throw new EvalDataException(where + ": image path '" + name + "' is not a valid path", e);
      }
      if (file == null || !file.startsWith(root)) {
        throw new EvalDataException(
            where + ": image path '" + name + "' leaves the image folder " + root);
      }
      if (Files.isRegularFile(file)) {
        try {
          if (!file.toRealPath().startsWith(root.toRealPath())) {
            throw new EvalDataException(
                where + ": image '" + name + "' links outside the image folder " + root);
          }
        } catch (IOException e) {
          throw new EvalDataException(
              where + ": cannot resolve image " + file + ": " + e.getMessage(), e);
        }
        return images.resolve(name);
      }
      candidates.add(images.resolve(name));
    }
    throw new EvalDataException(
        where
            + ": image not found; looked for "
            + String.join(", ", candidates.stream().map(Path::toString).toList()));
  }
}
