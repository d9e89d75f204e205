import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.File;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Writes a YCCK JPEG (Adobe transform 2, as Photoshop saves CMYK pictures) from a CMYK JPEG that PIL wrote: the
 * stored (Adobe-inverted) CMYK samples are turned into Y, Cb, Cr and K exactly as libjpeg's cmyk_ycck_convert
 * does, and javax.imageio's writer stores them as given. Used by make_cmyk_jpeg_fixtures.py.
 *
 *     java tools/scripts/YcckJpeg.java IN_CMYK.jpg OUT_YCCK.jpg
 */
public class YcckJpeg {
  public static void main(String[] args) throws Exception {
    ImageInputStream in = ImageIO.createImageInputStream(new File(args[0]));
    ImageReader reader = ImageIO.getImageReaders(in).next();
    reader.setInput(in);
    Raster cmyk = reader.readRaster(0, null);
    WritableRaster ycck = cmyk.createCompatibleWritableRaster();
    int[] px = new int[4];
    for (int y = 0; y < cmyk.getHeight(); y++) {
      for (int x = 0; x < cmyk.getWidth(); x++) {
        cmyk.getPixel(x, y, px);
        double r = 255 - px[0], g = 255 - px[1], b = 255 - px[2]; // libjpeg: R = MAXJSAMPLE - C, ...
        int luma = (int) Math.round(0.29900 * r + 0.58700 * g + 0.11400 * b);
        int cb = (int) Math.round(-0.16874 * r - 0.33126 * g + 0.50000 * b + 128);
        int cr = (int) Math.round(0.50000 * r - 0.41869 * g - 0.08131 * b + 128);
        ycck.setPixel(x, y, new int[] {clamp(luma), clamp(cb), clamp(cr), px[3]});
      }
    }
    IIOMetadata meta = reader.getImageMetadata(0);
    Node root = meta.getAsTree("javax_imageio_jpeg_image_1.0");
    ((Element) ((Element) root).getElementsByTagName("app14Adobe").item(0)).setAttribute("transform", "2");
    meta.setFromTree("javax_imageio_jpeg_image_1.0", root);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(new File(args[1]))) {
      writer.setOutput(out);
      ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(0.95f);
      writer.write(null, new IIOImage(ycck, null, meta), p);
    }
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
