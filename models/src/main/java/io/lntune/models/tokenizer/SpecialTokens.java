package io.lntune.models.tokenizer;

/**
 * The ids of a tokenizer's special tokens and whether encoding adds BOS and EOS. An absent token
 * has id -1.
 *
 * <pre>{@code
 * SpecialTokens s = Tokenizer.load(dir).specialTokens();   // LLaMA: bos 1, eos 2, unk 0, pad -1
 * }</pre>
 *
 * @param bos the begin-of-sequence id
 * @param eos the end-of-sequence id
 * @param unk the unknown id
 * @param pad the padding id, -1 when the tokenizer has none (LLaMA's has none; LLaVA pads with unk
 *     or adds [PAD])
 * @param addBos whether {@link Tokenizer#encodeForModel} puts BOS in front
 * @param addEos whether {@link Tokenizer#encodeForModel} puts EOS at the end
 */
public record SpecialTokens(int bos, int eos, int unk, int pad, boolean addBos, boolean addEos) {
  SpecialTokens withPad(int id) {
    return new SpecialTokens(bos, eos, unk, id, addBos, addEos);
  }
}
