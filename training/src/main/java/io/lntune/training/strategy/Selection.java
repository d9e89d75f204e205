package io.lntune.training.strategy;

import static io.lntune.training.strategy.ParameterNames.ATTN_QV;
import static io.lntune.training.strategy.ParameterNames.BLOCK_NORM;
import static io.lntune.training.strategy.ParameterNames.CONNECTOR;
import static io.lntune.training.strategy.ParameterNames.EMBEDDINGS;
import static io.lntune.training.strategy.ParameterNames.FINAL_NORM;
import static io.lntune.training.strategy.ParameterNames.HEAD;
import static io.lntune.training.strategy.ParameterNames.LORA;
import static io.lntune.training.strategy.ParameterNames.MLP;
import static io.lntune.training.strategy.ParameterNames.VISION;
import static io.lntune.training.strategy.ParameterNames.VISION_NORM;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The parameters a run trains: a {@link Strategy} (or a custom name predicate) with its options.
 * Immutable.
 *
 * <pre>{@code
 * Selection main = Selection.of(Strategy.LAYERNORM);
 * Selection noFinal = main.withoutFinalNorm().withVisionNorms();
 * Selection custom = Selection.custom(name -> name.endsWith("input_layernorm.weight"));
 * }</pre>
 */
public final class Selection {
  private final Strategy strategy; // null exactly when custom is not
  private final Predicate<String> custom;
  private final boolean finalNorm;
  private final boolean visionNorms;

  private Selection(
      Strategy strategy, Predicate<String> custom, boolean finalNorm, boolean visionNorms) {
    this.strategy = strategy;
    this.custom = custom;
    this.finalNorm = finalNorm;
    this.visionNorms = visionNorms;
  }

  /**
   * A strategy's parameters, with the final norm and without the vision tower's norms.
   *
   * @param strategy the strategy
   * @return the selection
   * @throws NullPointerException if {@code strategy} is null
   */
  public static Selection of(Strategy strategy) {
    return new Selection(Objects.requireNonNull(strategy, "strategy"), null, true, false);
  }

  /**
   * Exactly the parameters whose names {@code predicate} accepts (and, with {@link
   * #withVisionNorms}, the vision tower's norms).
   *
   * @param predicate accepts the names of the parameters to train
   * @return the selection
   * @throws NullPointerException if {@code predicate} is null
   */
  public static Selection custom(Predicate<String> predicate) {
    return new Selection(null, Objects.requireNonNull(predicate, "predicate"), true, false);
  }

  /** {@return the strategy; empty for a custom predicate} */
  public Optional<Strategy> strategy() {
    return Optional.ofNullable(strategy);
  }

  /** {@return whether this is {@code strategy}'s selection (with whichever options)} */
  public boolean is(Strategy strategy) {
    return this.strategy == strategy;
  }

  /** {@return whether {@code model.norm} trains with the block norms (by default it does)} */
  public boolean finalNorm() {
    return finalNorm;
  }

  /** {@return whether the vision tower's LayerNorms train too (by default they do not)} */
  public boolean visionNorms() {
    return visionNorms;
  }

  /** {@return this selection without the final {@code model.norm}} */
  public Selection withoutFinalNorm() {
    return new Selection(strategy, custom, false, visionNorms);
  }

  /** {@return this selection plus the vision tower's LayerNorms} */
  public Selection withVisionNorms() {
    return new Selection(strategy, custom, finalNorm, true);
  }

  /** {@return whether the parameter {@code name} trains} */
  public boolean trains(String name) {
    if (visionNorms && VISION_NORM.test(name)) {
      return true;
    }
    if (custom != null) {
      return custom.test(name);
    }
    if (VISION.test(name)) {
      return false;
    }
    if (strategy.withConnectorAndEmbeddings() && (CONNECTOR.or(EMBEDDINGS).or(HEAD).test(name))) {
      return true;
    }
    switch (strategy) {
      case LAYERNORM:
      case LAYERNORM_SIMPLE:
        return BLOCK_NORM.test(name) || (finalNorm && FINAL_NORM.test(name));
      case LORA:
        return LORA.test(name);
      case ATTN_QV:
        return ATTN_QV.test(name);
      case ATTN_MLP:
        return MLP.test(name);
      case FULL:
        return !LORA.test(name);
      case CONNECTOR_ONLY:
        return CONNECTOR.test(name);
      default:
        throw new AssertionError(strategy);
    }
  }

  @Override
  public String toString() {
    return (strategy != null ? strategy.name() : "custom")
        + (finalNorm ? "" : " without final norm")
        + (visionNorms ? " + vision norms" : "");
  }
}
