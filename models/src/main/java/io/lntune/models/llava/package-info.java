/**
 * LLaVA's vision-language connectors: {@link io.lntune.models.llava.Projector} ({@code linear} and
 * {@code mlpNx_gelu}, by {@link io.lntune.models.llava.ProjectorType}) under the original LLaVA
 * names, and {@link io.lntune.models.llava.ProjectorKeys}, the map to the llava-hf layout.
 */
package io.lntune.models.llava;
