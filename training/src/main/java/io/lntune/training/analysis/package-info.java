/**
 * Analyses of trained models: {@link io.lntune.training.analysis.LayerStates} collects every
 * decoder layer's hidden states of a LLaVA model over a data set, pooled per sample by a {@link
 * io.lntune.training.analysis.Pooling}, and {@link io.lntune.training.analysis.LayerSimilarity}
 * measures how alike the layers are (cosine and linear CKA), the paper's layer-similarity argument
 * for the expressive power of LayerNorm tuning.
 */
package io.lntune.training.analysis;
