package io.lntune.tools;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.TensorScope;
import io.lntune.training.analysis.LayerSimilarity;
import io.lntune.training.analysis.LayerStates;
import io.lntune.training.analysis.Pooling;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ClipTransform;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataLoader;
import io.lntune.training.data.DataLoaderBuilder;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.ImageRoot;
import io.lntune.training.data.LlavaDataset;
import java.nio.file.Path;

/**
 * Measures how alike a LLaVA model's decoder layers are on a dataset's samples, read in order as
 * training reads them (the whole conversation under the template, images spliced in): the code that
 * {@code lntune analyze similarity} and the demo's report share.
 *
 * <pre>{@code
 * Tokenizer fitted = LlavaVocabulary.forTraining(llava, tok, chat);
 * LayerSimilarity s = SimilarityProbe.measure(llava, fitted, chat, heldOut, images, 8, Pooling.MEAN);
 * }</pre>
 */
public final class SimilarityProbe {
  private SimilarityProbe() {}

  /**
   * {@return both similarity measures of {@code llava}'s decoder layers over every sample of {@code
   * dataset}}
   *
   * @param llava the model, left as it is
   * @param fitted a tokenizer fitted to the model for training ({@code LlavaVocabulary})
   * @param chat the conversation template the samples are rendered with
   * @param dataset the samples, each with an image; at least 2
   * @param images the folder the samples' image paths are relative to
   * @param batchSize samples per forward pass, at least 1
   * @param how how a layer's states over a sample become one vector
   * @throws IllegalArgumentException if there are fewer than 2 samples
   */
  public static LayerSimilarity measure(
      LlavaModel llava,
      Tokenizer fitted,
      ConversationTemplate chat,
      LlavaDataset dataset,
      Path images,
      int batchSize,
      Pooling how) {
    try (TensorScope scope = TensorScope.open();
        DataLoader loader =
            DataLoader.builder()
                .dataset(dataset)
                .tokenizer(fitted)
                .template(chat)
                .imageMarkup(ImageMarkup.of(llava.config()))
                .imageRoot(ImageRoot.of(images))
                .imageTransform(ClipTransform.forModel(llava.config()))
                .imageTokens((int) llava.config().imageTokens())
                .maxLength((int) llava.config().maxLength())
                .batchSize(batchSize)
                .ordering(DataLoaderBuilder.Ordering.SEQUENTIAL)
                .badRows(BadRowPolicy.FAIL)
                .build()) {
      return LayerSimilarity.of(LayerStates.pooled(llava, loader, how));
    }
  }
}
