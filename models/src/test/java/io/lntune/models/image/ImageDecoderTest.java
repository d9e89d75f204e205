package io.lntune.models.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.torch.TestResources;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pixel budget (sizes are checked from the header, before a decompression bomb is decoded), and
 * CMYK and YCCK JPEGs decoded as PIL decodes them ({@code
 * tools/scripts/make_cmyk_jpeg_fixtures.py}).
 */
class ImageDecoderTest {
  @TempDir Path dir;

  @Test
  void aSmallFileDeclaringAHugePictureIsRefusedFromItsHeader() throws IOException {
    Path bomb = dir.resolve("bomb.png");
    Files.write(bomb, pngDeclaring(28_000, 28_000));
    assertThat(Files.size(bomb)).isLessThan(200);
    assertThatThrownBy(() -> ImageDecoder.read(bomb))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(bomb.toString())
        .hasMessageContaining(
            "declares 28,000 x 28,000 = 784,000,000 pixels, over the budget of 89,478,485");
    // a budget above what a Java array holds is capped, not overflowed
    assertThatThrownBy(() -> ImageDecoder.read(bomb, Long.MAX_VALUE))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("over the budget of 715,827,879");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cmyk", "ycck"})
  void adobeJpegsBecomeTheRgbPilMakesOfThem(String name) {
    RgbImage decoded = ImageDecoder.read(TestResources.path(ImageDecoderTest.class, name + ".jpg"));
    RgbImage pil =
        ImageDecoder.read(TestResources.path(ImageDecoderTest.class, name + ".pil-rgb.png"));
    assertThat(decoded.width()).isEqualTo(24);
    assertThat(decoded.height()).isEqualTo(16);
    assertThat(decoded.pixels()).as("every sample as PIL has it").isEqualTo(pil.pixels());
  }

  @Test
  void theBudgetIsConfigurable() throws IOException {
    Path small = dir.resolve("small.png");
    ImageIO.write(new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB), "png", small.toFile());
    assertThat(ImageDecoder.read(small, 20).width()).isEqualTo(5);
    assertThatThrownBy(() -> ImageDecoder.read(small, 19))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("declares 5 x 4 = 20 pixels, over the budget of 19");
    assertThatThrownBy(() -> ImageDecoder.read(small, 0))
        .isInstanceOf(IllegalArgumentException.class);
    System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "19");
    try {
      assertThatThrownBy(() -> ImageDecoder.read(small))
          .isInstanceOf(ImageException.class)
          .hasMessageContaining("over the budget of 19");
      System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "lots");
      assertThatThrownBy(() -> ImageDecoder.read(small))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "lntune.image.maxPixels (--max-image-pixels) must be a positive integer, got 'lots'");
    } finally {
      System.clearProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
    }
  }

  /** A valid PNG header (signature, IHDR of an 8-bit RGB image) with one row of data and IEND. */
  private static byte[] pngDeclaring(int width, int height) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(out);
    data.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(ihdr);
    h.writeInt(width);
    h.writeInt(height);
    h.write(
        new byte[] {
          8, 2, 0, 0, 0
        }); // bit depth 8, colour type RGB, deflate, no filter, no interlace
    chunk(data, "IHDR", ihdr.toByteArray());
    Deflater deflater = new Deflater();
    deflater.setInput(new byte[1]);
    deflater.finish();
    byte[] idat = new byte[64];
    chunk(data, "IDAT", Arrays.copyOf(idat, deflater.deflate(idat)));
    chunk(data, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
    byte[] name = type.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(body.length);
    out.write(name);
    out.write(body);
    CRC32 crc = new CRC32();
    crc.update(name);
    crc.update(body);
    out.writeInt((int) crc.getValue());
  }
}
