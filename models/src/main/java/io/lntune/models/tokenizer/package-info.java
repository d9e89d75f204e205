/**
 * The LLaMA-family tokenizer: {@link io.lntune.models.tokenizer.SentencePieceModel} reads a
 * SentencePiece {@code tokenizer.model} (protobuf, parsed without a protobuf library), {@link
 * io.lntune.models.tokenizer.SentencePieceBpe} encodes and decodes exactly as Google's
 * SentencePiece does for BPE models, and {@link io.lntune.models.tokenizer.Tokenizer} adds Hugging
 * Face's layer on top: special and added tokens from {@code tokenizer_config.json}, {@code
 * special_tokens_map.json} and {@code added_tokens.json}, BOS/EOS, and the vocabulary size a
 * model's embedding needs.
 */
package io.lntune.models.tokenizer;
