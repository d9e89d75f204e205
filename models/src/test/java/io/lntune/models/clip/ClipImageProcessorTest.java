package io.lntune.models.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.config.ConfigException;
import io.lntune.models.image.ImageException;
import io.lntune.models.image.RgbImage;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The image pipeline against PIL and Hugging Face's CLIPImageProcessor steps, reproduced by
 * tools/scripts/make_image_fixtures.py over the committed fixtures (8-bit values before
 * normalisation).
 */
class ClipImageProcessorTest {
  static final Path IMAGES = resource("images");
  static SafetensorsFile expected;
  @TempDir Path dir;

  static Path resource(String name) {
    try {
      return Path.of(ClipImageProcessorTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void open() {
    expected = SafetensorsFile.open(IMAGES.resolve("expected.safetensors"));
  }

  @AfterAll
  static void close() {
    expected.close();
  }

  static Stream<String> fixtures() {
    return Stream.of(
        "rgb_37x23.png",
        "grey_23x37.png",
        "rgba_30x30.png",
        "palette_20x12.png",
        "grey16_29x17.png",
        "rgb16_17x29.png",
        "photo_41x27.jpg",
        "grey_19x25.jpg");
  }

  /**
   * {@return the largest difference, in 8-bit levels, between {@code image} and the expected array}
   */
  static int maxLevelDiff(RgbImage image, String key) {
    long[] shape = expected.info(key).shape();
    assertThat(new long[] {image.height(), image.width(), 3}).as(key).containsExactly(shape);
    byte[] want = new byte[(int) (shape[0] * shape[1] * shape[2])];
    try (TensorScope scope = TensorScope.open()) {
      new BytePointer(expected.tensor(key).contiguous().data_ptr()).get(want);
    }
    byte[] got = image.toArray();
    int max = 0;
    for (int i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs((got[i] & 0xFF) - (want[i] & 0xFF)));
    }
    return max;
  }

  static ClipImageProcessor clip(int shortestEdge, int cropSize) {
    return ClipImageProcessor.builder().shortestEdge(shortestEdge).cropSize(cropSize).build();
  }

  /**
   * PNG decoding is lossless and the resampler reproduces PIL's integer arithmetic, so PNGs match
   * exactly. JPEG decoders (javax.imageio's libjpeg 6b, PIL's libjpeg-turbo) may differ by a level
   * in the IDCT or chroma upsampling; they agree exactly on these fixtures, but only the required
   * 1/255 is asserted for them.
   */
  @ParameterizedTest
  @MethodSource("fixtures")
  void matchesThePythonPipelineWithinOneLevel(String name) {
    int tolerance = name.endsWith(".jpg") ? 1 : 0;
    RgbImage image = RgbImage.read(IMAGES.resolve(name));
    assertThat(maxLevelDiff(image, name + ".decoded")).as("decoded").isLessThanOrEqualTo(tolerance);
    assertThat(maxLevelDiff(clip(16, 16).prepare(image), name + ".clip16"))
        .as("clip16")
        .isLessThanOrEqualTo(tolerance);
    assertThat(maxLevelDiff(clip(7, 7).prepare(image), name + ".clip7"))
        .as("clip7")
        .isLessThanOrEqualTo(tolerance);
    assertThat(maxLevelDiff(clip(32, 28).prepare(image), name + ".clip32c28"))
        .as("clip32c28")
        .isLessThanOrEqualTo(tolerance);
    assertThat(maxLevelDiff(clip(16, 16).withPadToSquare(true).prepare(image), name + ".pad16"))
        .as("pad16")
        .isLessThanOrEqualTo(tolerance);
  }

  @Test
  void pixelValuesAreTheScaledAndNormalisedPreparedImages() {
    ClipImageProcessor processor = ClipImageProcessor.forImageSize(16).withPadToSquare(true);
    List<Path> files = List.of(IMAGES.resolve("rgb_37x23.png"), IMAGES.resolve("grey_19x25.jpg"));
    try (TensorScope scope = TensorScope.open()) {
      Tensor pixels = processor.process(files);
      assertThat(pixels.sizes().vec().get()).containsExactly(2, 3, 16, 16);
      assertThat(pixels.scalar_type().intern()).isEqualTo(ScalarType.Float);
      double[] mean = processor.mean();
      double[] std = processor.std();
      for (int n = 0; n < files.size(); n++) {
        Tensor want =
            expected
                .tensor(files.get(n).getFileName() + ".pad16")
                .to(ScalarType.Float)
                .div(new org.bytedeco.pytorch.Scalar(255.0))
                .permute(2, 0, 1); // [3, 16, 16]
        for (int c = 0; c < 3; c++) {
          Tensor normalised =
              want.select(0, c)
                  .sub(new org.bytedeco.pytorch.Scalar(mean[c]))
                  .div(new org.bytedeco.pytorch.Scalar(std[c]));
          assertThat(pixels.select(0, n).select(0, c).sub(normalised).abs().max().item_double())
              .isLessThan(1e-6);
        }
      }
      assertThat(pixels.min().item_double())
          .isGreaterThan(-1.8)
          .isLessThan(-1.0); // black is about -1.79 / -1.75
    }
    assertThat(processor.padColour()).containsExactly(122, 116, 104);
  }

  @Test
  void resizesTheShortestSideAsHuggingFaceDoes() {
    RgbImage wide = RgbImage.filled(1000, 3, 10, 20, 30);
    RgbImage out = clip(7, 7).prepare(wide);
    assertThat(out.width()).isEqualTo(7);
    assertThat(out.get(3, 3, 2))
        .isEqualTo(30); // a flat image stays flat through the normalised filter
    assertThatThrownBy(() -> clip(16, 16).pixelValues(List.of(RgbImage.filled(15, 16, 0, 0, 0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("image 0 is 15x16, expected 16x16: pass it through prepare() first");
    assertThatThrownBy(() -> clip(16, 17))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cropSize 17 is larger than shortestEdge 16");
    assertThatThrownBy(() -> ClipImageProcessor.builder().cropSize(16).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("shortestEdge is not set");
    assertThatThrownBy(
            () -> ClipImageProcessor.builder().shortestEdge(16).std(0.5, 0.0, 0.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "mean and std need 3 values (RGB), std positive, got [0.48145466, 0.4578275, 0.40821073] and "
                + "[0.5, 0.0, 0.5]");
  }

  @Test
  void undecodableFilesAreNamed() throws IOException {
    // CMYK JPEGs decode now, as PIL decodes them (ImageDecoderTest checks every sample)
    assertThat(RgbImage.read(IMAGES.resolve("cmyk_8x8.jpg")).width()).isEqualTo(8);
    Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
    assertThatThrownBy(() -> RgbImage.read(text))
        .isInstanceOf(ImageException.class)
        .hasMessage(text + ": is not an image javax.imageio can decode (JPEG, PNG, GIF, BMP)");
    Path missing = dir.resolve("missing.jpg");
    assertThatThrownBy(() -> ClipImageProcessor.forImageSize(16).process(List.of(missing)))
        .isInstanceOf(ImageException.class)
        .hasMessage(missing + ": no such file");
  }

  @Test
  void readsAHuggingFacePreprocessorConfig() throws IOException {
    Path legacy =
        Files.writeString(
            dir.resolve("legacy.json"),
            "{\"crop_size\": 336, \"do_center_crop\": true, "
                + "\"image_mean\": [0.48145466, 0.4578275, 0.40821073], \"image_std\": [0.26862954, 0.26130258, 0.27577711], "
                + "\"resample\": 3, \"size\": 336}");
    ClipImageProcessor p = ClipImageProcessor.read(legacy);
    assertThat(p.shortestEdge()).isEqualTo(336);
    assertThat(p.cropSize()).isEqualTo(336);
    assertThat(p.padToSquare()).isFalse();
    assertThat(p.mean()).containsExactly(ClipImageProcessor.forImageSize(1).mean());
    Path current =
        Files.writeString(
            dir.resolve("current.json"),
            "{\"crop_size\": {\"height\": 224, \"width\": 224}, "
                + "\"size\": {\"shortest_edge\": 256}, \"rescale_factor\": 0.00392156862745098, \"image_std\": [0.5, 0.5, 0.5]}");
    p = ClipImageProcessor.read(current);
    assertThat(p.shortestEdge()).isEqualTo(256);
    assertThat(p.cropSize()).isEqualTo(224);
    assertThat(p.std()).containsExactly(0.5, 0.5, 0.5);

    Path fixed =
        Files.writeString(
            dir.resolve("fixed.json"), "{\"size\": {\"height\": 224, \"width\": 224}}");
    assertThatThrownBy(() -> ClipImageProcessor.read(fixed))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            fixed
                + ": field 'size' must be a positive int or {\"shortest_edge\": n}, got "
                + "{\"height\":224,\"width\":224}");
    Path bilinear =
        Files.writeString(dir.resolve("bilinear.json"), "{\"size\": 224, \"resample\": 2}");
    assertThatThrownBy(() -> ClipImageProcessor.read(bilinear))
        .isInstanceOf(ConfigException.class)
        .hasMessage(bilinear + ": field 'resample' must be 3 (bicubic), got 2");
    Path noCrop =
        Files.writeString(dir.resolve("nocrop.json"), "{\"size\": 224, \"do_center_crop\": false}");
    assertThatThrownBy(() -> ClipImageProcessor.read(noCrop))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            noCrop
                + ": field 'do_center_crop' is false, which lntune's CLIP preprocessing does not support");
    Path mean =
        Files.writeString(dir.resolve("mean.json"), "{\"size\": 224, \"image_mean\": [0.5, 0.5]}");
    assertThatThrownBy(() -> ClipImageProcessor.read(mean))
        .isInstanceOf(ConfigException.class)
        .hasMessage(mean + ": field 'image_mean' must be 3 numbers (RGB), got [0.5,0.5]");
  }
}
