/**
 * The CLIP vision tower of LLaVA-style models, under Hugging Face {@code CLIPVisionModel}'s
 * parameter names: {@link io.lntune.models.clip.ClipVisionTower} (embeddings, {@code pre_layrnorm},
 * encoder layers, {@code post_layernorm}) built from a {@link
 * io.lntune.models.clip.ClipVisionConfig} (read from {@code config.json} or a preset in {@link
 * io.lntune.models.clip.ClipConfigs}), LLaVA's choice of features ({@link
 * io.lntune.models.clip.FeatureSelection}), the checkpoint key map ({@link
 * io.lntune.models.clip.ClipKeys}) and CLIP's image preprocessing ({@link
 * io.lntune.models.clip.ClipImageProcessor}).
 */
package io.lntune.models.clip;
