package io.lntune.training.data;

import io.lntune.models.image.ImageDecoder;
import io.lntune.models.image.ImageException;
import io.lntune.models.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The folder LLaVA's {@code image} paths are relative to ({@code --image_folder}). Resolves a
 * sample's path, refusing any that leaves the folder (absolute paths, {@code ..}, symbolic links
 * pointing outside), and decodes the image. Thread-safe.
 *
 * <pre>{@code
 * ImageRoot root = ImageRoot.of(Path.of("/data/llava/images"));
 * RgbImage img = root.read("000000215677", "coco/train2017/000000215677.jpg");
 * }</pre>
 */
public final class ImageRoot {
  private final Path root;
  private final Path realRoot;
  private final long maxPixels;

  private ImageRoot(Path root, Path realRoot, long maxPixels) {
    this.root = root;
    this.realRoot = realRoot;
    this.maxPixels = maxPixels;
  }

  /**
   * @throws IllegalArgumentException if {@code folder} is not a directory
   */
  public static ImageRoot of(Path folder) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(folder + ": the image root is not a directory");
    }
    try {
      return new ImageRoot(
          folder.toAbsolutePath().normalize(), folder.toRealPath(), ImageDecoder.maxPixels());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          folder + ": cannot resolve the image root: " + e.getMessage(), e);
    }
  }

  /**
   * {@return this root with another pixel budget for the images it decodes} (default {@link
   * ImageDecoder#maxPixels()})
   *
   * @throws IllegalArgumentException if {@code maxPixels} is not positive
   */
  public ImageRoot withMaxPixels(long maxPixels) {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("the pixel budget must be positive, got " + maxPixels);
    }
    return new ImageRoot(root, realRoot, maxPixels);
  }

  /**
   * {@return the file of {@code relative}, checked to exist inside the root}
   *
   * @throws SampleException ({@link BadRow#IMAGE_OUTSIDE_ROOT} or {@link BadRow#MISSING_IMAGE})
   */
  public Path resolve(String sampleId, String relative) {
    Path file;
    try {
      Path rel = Path.of(relative);
      if (rel.isAbsolute() || relative.isEmpty()) {
        throw outside(sampleId, relative);
      }
      file = root.resolve(rel).normalize();
    } catch (InvalidPathException e) {
      throw new SampleException(
          sampleId, BadRow.IMAGE_OUTSIDE_ROOT, "'" + relative + "' is not a valid path", e);
    }
    if (!file.startsWith(root)) {
      throw outside(sampleId, relative);
    }
    if (!Files.isRegularFile(file)) {
      throw new SampleException(sampleId, BadRow.MISSING_IMAGE, file + " does not exist");
    }
    try {
      if (!file.toRealPath().startsWith(realRoot)) {
        throw outside(sampleId, relative);
      }
    } catch (IOException e) {
      throw new SampleException(sampleId, BadRow.MISSING_IMAGE, file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /**
   * {@return the decoded image of {@code relative}}
   *
   * @throws SampleException as {@link #resolve}, or {@link BadRow#UNREADABLE_IMAGE} if it cannot be
   *     decoded
   */
  public RgbImage read(String sampleId, String relative) {
    Path file = resolve(sampleId, relative);
    try {
      return ImageDecoder.read(
          file, maxPixels); // grey, palette, RGBA and 16-bit decoded as PIL does
    } catch (ImageException e) {
      throw new SampleException(sampleId, BadRow.UNREADABLE_IMAGE, e.getMessage(), e);
    }
  }

  private SampleException outside(String sampleId, String relative) {
    return new SampleException(
        sampleId, BadRow.IMAGE_OUTSIDE_ROOT, "'" + relative + "' leaves " + root);
  }
}
