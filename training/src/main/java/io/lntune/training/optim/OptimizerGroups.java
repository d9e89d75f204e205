package io.lntune.training.optim;

import io.lntune.training.strategy.ParameterNames;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimizer every run trains with: AdamW with torch's betas and epsilon, its groups formed as
 * LLaVA and nanoGPT form them: no weight decay on 1-D parameters (norm gains, biases), and the
 * connector at its own learning rate (LLaVA's {@code mm_projector_lr}). Groups that would be empty
 * are left out.
 *
 * <pre>{@code
 * AdamW adam = OptimizerGroups.adamW(trainables, 3e-3, 2e-5, 0.0);
 * adam.groups();   // no_decay, decay, connector, connector_no_decay
 * }</pre>
 */
public final class OptimizerGroups {
  private OptimizerGroups() {}

  /**
   * Groups {@code trainables} for AdamW.
   *
   * @param trainables the selected parameters
   * @param learningRate the peak learning rate of everything but the connector
   * @param connectorLearningRate the connector's peak learning rate
   * @param weightDecay the decoupled weight decay of matrices
   * @return the optimizer, its groups {@code no_decay}, {@code decay}, {@code connector} and {@code
   *     connector_no_decay}, each only if it has parameters
   */
  public static AdamW adamW(
      TrainableParameters trainables,
      double learningRate,
      double connectorLearningRate,
      double weightDecay) {
    List<Trainable> decay = new ArrayList<>();
    List<Trainable> noDecay = new ArrayList<>();
    List<Trainable> connectorDecay = new ArrayList<>();
    List<Trainable> connectorNoDecay = new ArrayList<>();
    for (Trainable t : trainables.all()) {
      boolean connector = ParameterNames.CONNECTOR.test(t.name());
      boolean matrix = t.param().dim() >= 2;
      (connector ? (matrix ? connectorDecay : connectorNoDecay) : (matrix ? decay : noDecay))
          .add(t);
    }
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    add(adam, "no_decay", learningRate, 0.0, noDecay);
    add(adam, "decay", learningRate, weightDecay, decay);
    add(adam, "connector", connectorLearningRate, weightDecay, connectorDecay);
    add(adam, "connector_no_decay", connectorLearningRate, 0.0, connectorNoDecay);
    return adam;
  }

  private static void add(AdamW adam, String name, double lr, double wd, List<Trainable> params) {
    if (!params.isEmpty()) {
      adam.addGroup(name, lr, wd, params);
    }
  }
}
