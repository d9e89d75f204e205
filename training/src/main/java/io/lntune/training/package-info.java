/**
 * Training: parameter-selection strategies (LayerNorm, LoRA, full, connector-only), LLaVA data,
 * optimizers and schedules, the loop with its listeners, checkpoints and exports. Filled in by the
 * training issues.
 */
package io.lntune.training;
