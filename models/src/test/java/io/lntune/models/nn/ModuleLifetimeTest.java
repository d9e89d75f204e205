package io.lntune.models.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.torch.DType;
import org.junit.jupiter.api.Test;

/**
 * Modules made in Java call back into their Java peers for virtual methods such as {@code train()};
 * a peer the garbage collector took makes that call fail. Every module of a model, namespaces
 * included, must stay reachable from the model object.
 */
class ModuleLifetimeTest {
  @Test
  void trainAndEvalWorkAfterGarbageCollection() {
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    for (int i = 0; i < 5; i++) {
      byte[][] garbage = new byte[64][];
      for (int j = 0; j < garbage.length; j++) {
        garbage[j] = new byte[1 << 20];
      }
      System.gc();
    }
    model.train(true);
    assertThat(model.is_training()).isTrue();
    model.eval();
    assertThat(model.is_training()).isFalse();
    model.close();
  }
}
