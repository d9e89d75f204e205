package io.lntune.torch.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.TestResources;
import io.lntune.torch.TestTensors;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files written by an independent implementation ({@code
 * tools/scripts/make_safetensors_fixtures.py}: the standard library and numpy) read back exactly,
 * every dtype, whether tensors sit aligned (viewed in place) or at odd offsets (copied).
 */
class ReferenceFileTest {

  static Path fixture(String name) {
    return TestResources.path(ReferenceFileTest.class, name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"reference.safetensors", "unaligned.safetensors"})
  void everyTensorReadsBackExactly(String file) throws Exception {
    JsonNode expected = new ObjectMapper().readTree(fixture("reference.json").toFile());
    try (SafetensorsFile f = SafetensorsFile.open(fixture(file));
        TensorScope scope = TensorScope.open()) {
      assertThat(f.tensors()).hasSize(expected.size());
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String name = e.getKey();
        JsonNode want = e.getValue();
        TensorInfo info = f.info(name);
        assertThat(info.dtype())
            .as(name)
            .isEqualTo(DType.fromSafetensors(want.get("dtype").asText()).orElseThrow());
        long[] shape = new ObjectMapper().convertValue(want.get("shape"), long[].class);
        assertThat(info.shape()).as(name).containsExactly(shape);

        Tensor t = f.tensor(name);
        assertThat(DType.of(t.scalar_type())).as(name).isEqualTo(info.dtype());
        assertThat(TestTensors.shape(t)).as(name).containsExactly(shape);
        assertThat(HexFormat.of().formatHex(TestTensors.bytes(t)))
            .as(name + " bytes")
            .isEqualTo(want.get("hex").asText());
        double[] values = new ObjectMapper().convertValue(want.get("values"), double[].class);
        assertThat(TestTensors.doubles(t)).as(name + " values").containsExactly(values);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"reference.safetensors"})
  void metadataIsRead(String file) {
    try (SafetensorsFile f = SafetensorsFile.open(fixture(file))) {
      assertThat(f.metadata()).containsEntry("format", "pt").containsKey("written_by");
    }
  }
}
