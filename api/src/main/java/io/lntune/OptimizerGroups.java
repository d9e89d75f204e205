package io.lntune;

import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.Trainable;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.ParameterNames;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW groups as LLaVA and nanoGPT form them: no weight decay on 1-D parameters (norm gains, biases), and the
 * connector at its own learning rate (LLaVA's {@code mm_projector_lr}).
 */
final class OptimizerGroups {
  private OptimizerGroups() {}

  static AdamW build(TrainableParameters trainables, TunerSettings s) {
    List<Trainable> decay = new ArrayList<>();
    List<Trainable> noDecay = new ArrayList<>();
    List<Trainable> connectorDecay = new ArrayList<>();
    List<Trainable> connectorNoDecay = new ArrayList<>();
    for (Trainable t : trainables.all()) {
      boolean connector = ParameterNames.CONNECTOR.test(t.name());
      boolean matrix = t.param().dim() >= 2;
      (connector ? (matrix ? connectorDecay : connectorNoDecay) : (matrix ? decay : noDecay)).add(t);
    }
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    add(adam, "no_decay", s.learningRate(), 0.0, noDecay);
    add(adam, "decay", s.learningRate(), s.weightDecay(), decay);
    add(adam, "connector", s.connectorLearningRate(), s.weightDecay(), connectorDecay);
    add(adam, "connector_no_decay", s.connectorLearningRate(), 0.0, connectorNoDecay);
    return adam;
  }

  private static void add(AdamW adam, String name, double lr, double wd, List<Trainable> params) {
    if (!params.isEmpty()) {
      adam.addGroup(name, lr, wd, params);
    }
  }
}
