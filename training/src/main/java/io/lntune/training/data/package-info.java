/**
 * LLaVA data: {@link io.lntune.training.data.LlavaDataset} indexes a LLaVA JSON file in one
 * streaming pass (entries read by {@link io.lntune.training.data.LlavaJson}), {@link
 * io.lntune.training.data.ConversationTemplate} renders and masks conversations exactly as LLaVA's
 * templates ({@code plain}, {@code vicuna_v1}, {@code llava_v1}, {@code llama_2}, {@code
 * llava_llama_2}, {@code v0}), {@link io.lntune.training.data.LlavaVocabulary} fits the tokenizer
 * and the model's vocabulary to each other (pad token, {@code <im_start>}/{@code <im_end>} of an
 * {@link io.lntune.training.data.ImageMarkup}), and {@link io.lntune.training.data.DataLoader}
 * turns them into padded {@link io.lntune.training.data.Batch}es on worker threads, with images
 * from an {@link io.lntune.training.data.ImageRoot} through an {@link
 * io.lntune.training.data.ImageTransform}, under a {@link io.lntune.training.data.BadRowPolicy}.
 */
package io.lntune.training.data;
