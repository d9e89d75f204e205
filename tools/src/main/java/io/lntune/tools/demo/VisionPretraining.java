package io.lntune.tools.demo;

import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;

import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.clip.ClipVisionTower;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.image.RgbImage;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Namespace;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.strategy.Selection;
import io.lntune.training.synth.Scene;
import io.lntune.training.synth.SceneRenderer;
import java.awt.image.BufferedImage;
import java.util.Iterator;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * Pretrains the tiny ViT on freshly drawn scenes: from each cell's patch token it must name the
 * cell's content (empty, or one of the colour-shape pairs), so that its features carry what the
 * questions ask about.
 */
final class VisionPretraining {
  private static final int CLASSES = 1 + Scene.Colour.values().length * Scene.Shape.values().length;

  /**
   * Smoothed targets bound how confident the head gets: hard ones drive the loss toward 0 by
   * growing the patch features far beyond the word embeddings' norm, mostly along one direction
   * shared by every patch, which the connector then cannot map onto word embeddings.
   */
  private static final double LABEL_SMOOTHING = 0.1;

  private VisionPretraining() {}

  /** A batch of pictures and each cell's class. */
  record Batch(Tensor pixels, Tensor labels) implements AutoCloseable {
    @Override
    public void close() {
      pixels.close();
      labels.close();
    }
  }

  /** The tower with a classification head, as one module so that the trainer sees both. */
  static final class Classifier extends Namespace {
    final ClipVisionTower tower;
    final Linear head;

    /** Adds a head initialised from {@code seed} to {@code tower}. */
    Classifier(ClipVisionTower tower, long seed) {
      super("VisionClassifier");
      this.tower = add("tower", tower);
      this.head =
          add(
              "head",
              new Linear(tower.config().hiddenSize(), CLASSES, true, Placement.cpu(DType.F32)));
      Init.normal(head, 0.02, seed);
    }

    /**
     * Trains tower and head for {@code steps} on fresh scenes, without a progress bar (it runs
     * alongside the LLaMA's), then puts the tower in eval mode; {@return the run}
     */
    TrainingRun train(int steps, int batchSize, long seed) {
      TrainingRun result =
          Pretraining.run(
              this,
              Selection.custom(n -> true),
              3e-3,
              steps,
              this::loss,
              batches(
                  new Random(seed), ClipImageProcessor.forImageSize(DemoModels.IMAGE), batchSize),
              false);
      tower.eval();
      return result;
    }

    private CausalLmLoss.Result loss(Batch b) {
      FeatureSelection patches = new FeatureSelection(-1, FeatureSelection.Tokens.PATCH);
      Tensor features = tower.features(b.pixels(), patches); // [B, 9, width]
      Tensor logits = head.forward(features).reshape(-1, CLASSES); // [B * 9, classes]
      Tensor labels = b.labels().reshape(-1);
      return new CausalLmLoss.Result(
          cross_entropy_loss(logits, labels, new TensorOptional(), 2, -100, LABEL_SMOOTHING),
          labels.numel());
    }
  }

  private static Iterator<Batch> batches(
      Random random, ClipImageProcessor processor, int batchSize) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Batch next() {
        int plane = 3 * DemoModels.IMAGE * DemoModels.IMAGE;
        float[] pixels = new float[batchSize * plane];
        long[] labels = new long[batchSize * 9];
        for (int i = 0; i < batchSize; i++) {
          Scene scene = Scene.random(random);
          System.arraycopy(
              processor.normalize(
                  processor.prepare(rgb(SceneRenderer.render(scene, DemoModels.IMAGE)))),
              0,
              pixels,
              i * plane,
              plane);
          for (Scene.Thing thing : scene.objects()) {
            labels[i * 9 + thing.cell()] =
                1
                    + thing.colour().ordinal() * Scene.Shape.values().length
                    + thing.shape().ordinal();
          }
        }
        return new Batch(
            Tensor.create(pixels, batchSize, 3, DemoModels.IMAGE, DemoModels.IMAGE),
            Tensor.create(labels, batchSize, 9));
      }
    };
  }

  /** The renderer draws opaque RGB, so {@code getRGB} is exact. */
  static RgbImage rgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    byte[] out = new byte[w * h * 3];
    for (int i = 0; i < argb.length; i++) {
      out[i * 3] = (byte) (argb[i] >> 16);
      out[i * 3 + 1] = (byte) (argb[i] >> 8);
      out[i * 3 + 2] = (byte) argb[i];
    }
    return RgbImage.of(w, h, out);
  }
}
