package io.lntune.models.clip;

import com.fasterxml.jackson.databind.JsonNode;
import io.lntune.models.config.ConfigException;
import io.lntune.models.config.ConfigFile;
import io.lntune.models.image.RgbImage;
import io.lntune.torch.Torch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * CLIP's image preprocessing as Hugging Face's {@code CLIPImageProcessor} does it, optionally
 * preceded by LLaVA-1.5's pad-to-square:
 *
 * <ol>
 *   <li>(pad) centre the image on a square of the mean colour, {@code int(mean * 255)} = (122, 116,
 *       104) for CLIP;
 *   <li>resize the shortest side to {@code shortestEdge} (the long side to {@code int(shortestEdge
 *       * long / short)}) with PIL's bicubic filter, bit for bit;
 *   <li>crop the centre {@code cropSize} square (offsets rounded down);
 *   <li>scale to 0..1 by 1/255 and normalise per channel with {@code mean} and {@code std}.
 * </ol>
 *
 * <pre>{@code
 * ClipImageProcessor processor = ClipImageProcessor.forImageSize(336).withPadToSquare(true);   // LLaVA-1.5
 * ClipImageProcessor custom = ClipImageProcessor.builder().shortestEdge(256).cropSize(224).build();
 * try (TensorScope scope = TensorScope.open()) {
 *   Tensor pixels = processor.process(List.of(Path.of("a.jpg"), Path.of("b.png")));   // [2, 3, 336, 336] F32
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ClipImageProcessor {
  /** CLIP's per-channel mean of the training images, RGB. */
  private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};

  /** CLIP's per-channel standard deviation, RGB. */
  private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

  private final int shortestEdge;
  private final int cropSize;
  private final double[] mean;
  private final double[] std;
  private final boolean padToSquare;

  private ClipImageProcessor(
      int shortestEdge, int cropSize, double[] mean, double[] std, boolean padToSquare) {
    if (shortestEdge <= 0 || cropSize <= 0) {
      throw new IllegalArgumentException(
          "shortestEdge and cropSize must be > 0, got " + shortestEdge + " and " + cropSize);
    }
    if (cropSize > shortestEdge) {
      throw new IllegalArgumentException(
          "cropSize "
              + cropSize
              + " is larger than shortestEdge "
              + shortestEdge
              + ": the centre crop would reach outside the resized image");
    }
    if (mean.length != 3 || std.length != 3 || Arrays.stream(std).anyMatch(s -> !(s > 0))) {
      throw new IllegalArgumentException(
          "mean and std need 3 values (RGB), std positive, got "
              + Arrays.toString(mean)
              + " and "
              + Arrays.toString(std));
    }
    this.shortestEdge = shortestEdge;
    this.cropSize = cropSize;
    this.mean = mean.clone();
    this.std = std.clone();
    this.padToSquare = padToSquare;
  }

  /** {@return a builder; only the shortest edge must be set} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return CLIP's processor for a tower of {@code imageSize}: resize and crop to it, CLIP's mean
   * and std}
   */
  public static ClipImageProcessor forImageSize(int imageSize) {
    return builder().shortestEdge(imageSize).build();
  }

  /**
   * Reads a Hugging Face {@code preprocessor_config.json} of a CLIP model: {@code size} (an int or
   * {@code {"shortest_edge": n}}), {@code crop_size} (an int or a square {@code {"height",
   * "width"}}), {@code image_mean}, {@code image_std}. Settings that would make it something other
   * than CLIP's preprocessing ({@code do_resize}, {@code do_center_crop}, {@code do_rescale} or
   * {@code do_normalize} false, a {@code resample} other than 3 (bicubic), a {@code rescale_factor}
   * other than 1/255) are refused. The result does not pad to a square; see {@link
   * #withPadToSquare}.
   *
   * @throws ConfigException naming the file and field
   */
  public static ClipImageProcessor read(Path preprocessorConfig) {
    ConfigFile c = ConfigFile.read(preprocessorConfig);
    for (String flag : new String[] {"do_resize", "do_center_crop", "do_rescale", "do_normalize"}) {
      if (!c.optBoolean(flag).orElse(true)) {
        throw c.error(flag, "is false, which lntune's CLIP preprocessing does not support", null);
      }
    }
    if (c.optLong("resample").orElse(3L) != 3) {
      throw c.error("resample", "must be 3 (bicubic)", c.node("resample").orElse(null));
    }
    if (Math.abs(c.optDouble("rescale_factor").orElse(1.0 / 255) - 1.0 / 255) > 1e-12) {
      throw c.error("rescale_factor", "must be 1/255", c.node("rescale_factor").orElse(null));
    }
    int shortest = size(c, "size", "shortest_edge");
    int crop = c.has("crop_size") ? size(c, "crop_size", null) : shortest;
    try {
      return builder()
          .shortestEdge(shortest)
          .cropSize(crop)
          .mean(triple(c, "image_mean", CLIP_MEAN))
          .std(triple(c, "image_std", CLIP_STD))
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(preprocessorConfig + ": " + e.getMessage());
    }
  }

  /**
   * An int, or an object holding {@code key} (shortest edge) or, when key is null, a square height
   * and width.
   */
  private static int size(ConfigFile c, String field, String key) {
    JsonNode n = c.node(field).orElseThrow(() -> c.error(field, "is required", null));
    JsonNode v = n;
    if (n.isObject()) {
      v = key != null ? n.get(key) : n.get("height");
      if (key == null && (v == null || !v.equals(n.get("width")))) {
        throw c.error(field, "must be an int or a square {\"height\", \"width\"}", n);
      }
    }
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() <= 0) {
      throw c.error(
          field, "must be a positive int" + (key == null ? "" : " or {\"" + key + "\": n}"), n);
    }
    return v.intValue();
  }

  private static double[] triple(ConfigFile c, String field, double[] fallback) {
    JsonNode n = c.node(field).orElse(null);
    if (n == null) {
      return fallback;
    }
    if (!n.isArray()
        || n.size() != 3
        || !n.get(0).isNumber()
        || !n.get(1).isNumber()
        || !n.get(2).isNumber()) {
      throw c.error(field, "must be 3 numbers (RGB)", n);
    }
    return new double[] {n.get(0).doubleValue(), n.get(1).doubleValue(), n.get(2).doubleValue()};
  }

  /** {@return this processor, padding to a square of the mean colour first or not} */
  public ClipImageProcessor withPadToSquare(boolean pad) {
    return builder()
        .shortestEdge(shortestEdge)
        .cropSize(cropSize)
        .mean(mean)
        .std(std)
        .padToSquare(pad)
        .build();
  }

  public int shortestEdge() {
    return shortestEdge;
  }

  public int cropSize() {
    return cropSize;
  }

  public boolean padToSquare() {
    return padToSquare;
  }

  /** {@return a copy of the per-channel mean} */
  public double[] mean() {
    return mean.clone();
  }

  /** {@return a copy of the per-channel standard deviation} */
  public double[] std() {
    return std.clone();
  }

  /** {@return the pad colour, LLaVA's {@code tuple(int(x * 255) for x in image_mean)}} */
  public int[] padColour() {
    return Arrays.stream(mean).mapToInt(m -> (int) (m * 255)).toArray();
  }

  /**
   * {@return the 8-bit image after padding, resizing and cropping: the square the tower sees,
   * before scaling}
   */
  public RgbImage prepare(RgbImage image) {
    if (padToSquare) {
      int[] c = padColour();
      image = image.padToSquare(c[0], c[1], c[2]);
    }
    int w = image.width();
    int h = image.height();
    int longSide = (int) ((double) ((long) shortestEdge * Math.max(w, h)) / Math.min(w, h));
    RgbImage resized =
        w <= h ? image.resize(shortestEdge, longSide) : image.resize(longSide, shortestEdge);
    return resized.crop(
        (resized.width() - cropSize) / 2, (resized.height() - cropSize) / 2, cropSize, cropSize);
  }

  /**
   * {@return prepared images as normalised pixel values [N, 3, cropSize, cropSize], F32 on the
   * CPU}: per value {@code (v / 255 - mean) / std} in float arithmetic, as Hugging Face computes it
   * in numpy float32
   *
   * @throws IllegalArgumentException if the list is empty or an image is not cropSize square
   */
  public Tensor pixelValues(List<RgbImage> prepared) {
    if (prepared.isEmpty()) {
      throw new IllegalArgumentException("no images");
    }
    int size = 3 * cropSize * cropSize;
    float[] values = new float[prepared.size() * size];
    for (int n = 0; n < prepared.size(); n++) {
      System.arraycopy(normalize(prepared.get(n), n), 0, values, n * size, size);
    }
    Torch.init();
    return Tensor.create(values, prepared.size(), 3, cropSize, cropSize);
  }

  /**
   * {@return one prepared image's normalised values, channels first [3 * cropSize * cropSize]}: per
   * value {@code (v / 255 - mean) / std} in float arithmetic, as Hugging Face computes it in numpy
   * float32
   *
   * @throws IllegalArgumentException if the image is not cropSize square
   */
  public float[] normalize(RgbImage prepared) {
    return normalize(prepared, 0);
  }

  private float[] normalize(RgbImage img, int index) {
    if (img.width() != cropSize || img.height() != cropSize) {
      throw new IllegalArgumentException(
          "image "
              + index
              + " is "
              + img.width()
              + "x"
              + img.height()
              + ", expected "
              + cropSize
              + "x"
              + cropSize
              + ": pass it through prepare() first");
    }
    int plane = cropSize * cropSize;
    float[] values = new float[3 * plane];
    byte[] rgb = img.toArray();
    for (int c = 0; c < 3; c++) {
      float m = (float) mean[c];
      float s = (float) std[c];
      for (int i = 0; i < plane; i++) {
        float scaled = (float) ((rgb[i * 3 + c] & 0xFF) * (1.0 / 255));
        values[c * plane + i] = (scaled - m) / s;
      }
    }
    return values;
  }

  /**
   * {@return the normalised pixel values of image files [N, 3, cropSize, cropSize]}
   *
   * @throws io.lntune.models.image.ImageException naming a file that cannot be read
   */
  public Tensor process(List<Path> files) {
    List<RgbImage> prepared = new ArrayList<>();
    for (Path f : files) {
      prepared.add(prepare(RgbImage.read(f)));
    }
    return pixelValues(prepared);
  }

  @Override
  public String toString() {
    return "ClipImageProcessor[shortestEdge="
        + shortestEdge
        + ", cropSize="
        + cropSize
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + ", padToSquare="
        + padToSquare
        + "]";
  }

  /** Builds a {@link ClipImageProcessor}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private Integer shortestEdge;
    private Integer cropSize;
    private double[] mean = CLIP_MEAN;
    private double[] std = CLIP_STD;
    private boolean padToSquare;

    private Builder() {}

    /** The target of the shortest side. Required. */
    public Builder shortestEdge(int pixels) {
      shortestEdge = pixels;
      return this;
    }

    /** The side of the centre crop. If not set: the shortest edge. */
    public Builder cropSize(int pixels) {
      cropSize = pixels;
      return this;
    }

    /** The per-channel mean, RGB. If not set: CLIP's (0.48145466, 0.4578275, 0.40821073). */
    public Builder mean(double... rgb) {
      mean = rgb.clone();
      return this;
    }

    /**
     * The per-channel standard deviation, RGB. If not set: CLIP's (0.26862954, 0.26130258,
     * 0.27577711).
     */
    public Builder std(double... rgb) {
      std = rgb.clone();
      return this;
    }

    /** Whether to pad to a square of the mean colour first (LLaVA-1.5). If not set: false. */
    public Builder padToSquare(boolean pad) {
      padToSquare = pad;
      return this;
    }

    /**
     * @throws IllegalStateException if the shortest edge is not set
     * @throws IllegalArgumentException if a size is not positive, the crop is larger than the
     *     shortest edge, or mean and std are not three values with std positive
     */
    public ClipImageProcessor build() {
      if (shortestEdge == null) {
        throw new IllegalStateException("shortestEdge is not set");
      }
      return new ClipImageProcessor(
          shortestEdge, cropSize == null ? shortestEdge : cropSize, mean, std, padToSquare);
    }
  }
}
