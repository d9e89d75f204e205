/**
 * The facade an application depends on: {@code LayerNormTuner.builder()} and the configuration and result
 * records it takes and returns. Filled in by the tuner issue; the native layer's types
 * ({@code io.lntune.torch}) come along transitively.
 */
package io.lntune;
