/**
 * Models as libtorch {@code Module}s registered under Hugging Face checkpoint names: the
 * LLaMA/Vicuna decoder, the CLIP vision tower, the vision-language projectors and their LLaVA
 * composition, plus the tokenizer and the readers of Hugging Face configs. Filled in by the model
 * issues; depends only on {@code io.lntune.torch}.
 */
package io.lntune.models;
