package io.lntune.torch.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScopeExtension;
import io.lntune.torch.TestResources;
import io.lntune.torch.TestTensors;
import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.TensorEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files written by PyTorch's own {@code torch.save} ({@code
 * tools/scripts/make_pytorch_fixtures.py}) read back exactly: every storage type, OrderedDict state
 * dicts with their metadata, shards with their index, and views that share a storage with their
 * strides and offsets.
 */
@ExtendWith(TensorScopeExtension.class)
class FixtureFileTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Path fixture(String name) {
    return TestResources.path(FixtureFileTest.class, name);
  }

  static JsonNode expected(String file) throws IOException {
    return JSON.readTree(fixture("expected.json").toFile()).get(file);
  }

  @ParameterizedTest
  @ValueSource(strings = {"every_dtype.bin", "views.bin", "mm_projector.bin", "sharded"})
  void everyTensorReadsBackExactly(String file) throws IOException {
    JsonNode expected = expected(file);
    try (Checkpoint ckpt = Checkpoint.open(fixture(file))) {
      assertThat(ckpt).isInstanceOf(PyTorchCheckpoint.class);
      assertThat(ckpt.names()).hasSize(expected.size());
      for (Map.Entry<String, JsonNode> e :
          (Iterable<Map.Entry<String, JsonNode>>) expected::fields) {
        String name = e.getKey();
        JsonNode want = e.getValue();
        TensorEntry info = ckpt.info(name);
        long[] shape = JSON.convertValue(want.get("shape"), long[].class);
        assertThat(info.dtype())
            .as(name)
            .isEqualTo(DType.fromSafetensors(want.get("dtype").asText()).orElseThrow());
        assertThat(info.shape()).as(name).containsExactly(shape);

        Tensor t = ckpt.tensor(name);
        assertThat(DType.of(t.scalar_type())).as(name).isEqualTo(info.dtype());
        assertThat(TestTensors.shape(t)).as(name).containsExactly(shape);
        assertThat(t.strides().vec().get())
            .as(name + " stride")
            .containsExactly(JSON.convertValue(want.get("stride"), long[].class));
        assertThat(HexFormat.of().formatHex(TestTensors.bytes(t)))
            .as(name + " bytes")
            .isEqualTo(want.get("hex").asText());
      }
    }
  }

  @Test
  void theStateDictKeepsItsOrderAndTheArchiveItsVersion() throws IOException {
    try (PyTorchFile f = PyTorchFile.open(fixture("every_dtype.bin"))) {
      List<String> names = new ArrayList<>();
      f.tensors().forEach(t -> names.add(t.name()));
      List<String> want = new ArrayList<>();
      expected("every_dtype.bin").fieldNames().forEachRemaining(want::add);
      assertThat(names).containsExactlyElementsOf(want);
      assertThat(f.metadata()).containsEntry("version", "3");
    }
  }

  @Test
  void viewsShareTheMappedStorageWithoutACopy() {
    try (PyTorchFile f = PyTorchFile.open(fixture("views.bin"))) {
      Tensor base = f.tensor("base");
      long address = base.data_ptr().address();
      assertThat(address % 64).as("PyTorch aligns storages to 64 bytes").isZero();
      assertThat(f.tensor("row").data_ptr().address()).isEqualTo(address + 12 * 4);
      assertThat(f.tensor("narrow").data_ptr().address()).isEqualTo(address + 4);
      assertThat(f.tensor("transposed").data_ptr().address()).isEqualTo(address);
      assertThat(f.tensor("transposed").is_contiguous()).isFalse();
      assertThat(f.tensor("lm_head.weight").data_ptr().address())
          .as("tied weights are one tensor")
          .isEqualTo(f.tensor("embed.weight").data_ptr().address());
      assertThat(f.tensor("bf16.tail").data_ptr().address())
          .isEqualTo(f.tensor("bf16.all").data_ptr().address() + 3 * 2);
    }
  }
}
