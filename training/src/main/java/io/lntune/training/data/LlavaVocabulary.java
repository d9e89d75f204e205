package io.lntune.training.data;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.models.tokenizer.TokenizerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits a tokenizer and a LLaVA model to each other before any text is tokenized, as LLaVA's {@code
 * train.py} (training) and {@code builder.py} (evaluation) do: the padding token, the tokens of the
 * model's image markup ({@code <im_start>}, {@code <im_end>} when {@code mm_use_im_start_end} is
 * set), and an embedding row for every id the tokenizer can produce. New rows are the mean of the
 * existing ones ({@link LlavaModel#resizeVocabulary}), as LLaVA initialises them. A model whose
 * vocabulary already covers the tokenizer (llava-hf's 32,064 rows) is left as it is.
 *
 * <pre>{@code
 * Tokenizer tok = LlavaVocabulary.forTraining(model, Tokenizer.load(dir), ConversationTemplate.forName("v0"));
 * tok.specialTokens().pad();          // 32000: [PAD], added because LLaMA's tokenizer has no pad token
 * model.config().text().vocabSize();  // 32001
 * }</pre>
 */
public final class LlavaVocabulary {
  private static final Logger log = LoggerFactory.getLogger(LlavaVocabulary.class);

  private LlavaVocabulary() {}

  /**
   * {@return {@code tok} ready to tokenize training data for {@code model} under {@code template}}:
   * its pad token is the tokenizer's own ({@code special_tokens_map.json}, {@code
   * tokenizer_config.json}); without one, v0 adds {@code [PAD]} as LLaVA does, and the other
   * templates take {@code config.json}'s {@code pad_token_id} or else {@code <unk>}. The image
   * markup's tokens are added, and {@code model} grows to the tokenizer's vocabulary.
   */
  public static Tokenizer forTraining(
      LlavaModel model, Tokenizer tok, ConversationTemplate template) {
    requireFits(model, tok);
    return fit(model, withPad(model, tok, template));
  }

  /**
   * {@return {@code tok} with the image markup's tokens; {@code model} grows to the tokenizer's
   * vocabulary}
   */
  public static Tokenizer forGeneration(LlavaModel model, Tokenizer tok) {
    requireFits(model, tok);
    return fit(model, tok);
  }

  /**
   * Only added tokens (a pad, the image markup) may grow the model: a tokenizer whose SentencePiece
   * vocabulary alone is larger than the embedding belongs to another model, and its ids past the
   * embedding would fail deep inside libtorch.
   */
  private static void requireFits(LlavaModel model, Tokenizer tok) {
    long rows = model.config().text().vocabSize();
    if (tok.baseVocabSize() > rows) {
      throw new TokenizerException(
          String.format(
              "the tokenizer has %,d SentencePiece pieces but the model's "
                  + "embed_tokens has %,d rows (config.json's vocab_size): the tokenizer belongs to another model",
              tok.baseVocabSize(), rows));
    }
  }

  private static Tokenizer withPad(LlavaModel model, Tokenizer tok, ConversationTemplate template) {
    if (tok.specialTokens().pad() >= 0) {
      return tok;
    }
    long configPad = model.config().text().padTokenId();
    if (!(template instanceof V0Template) && configPad >= 0 && configPad < tok.vocabSize()) {
      return tok.withPadId((int) configPad);
    }
    return tok.withPadToken(template.padToken());
  }

  private static Tokenizer fit(LlavaModel model, Tokenizer tok) {
    Tokenizer t = tok.withAddedTokens(ImageMarkup.of(model.config()).tokens(), true);
    long rows = model.config().text().vocabSize();
    if (t.vocabSize() > rows) {
      log.info(
          "growing the vocabulary from {} to {} rows for the tokens {} (new rows: the mean of the others)",
          rows,
          t.vocabSize(),
          t.addedTokens().stream().filter(a -> a.id() >= rows).map(a -> a.content()).toList());
      model.resizeVocabulary(t.vocabSize());
    }
    return t;
  }
}
