package io.lntune.torch.pytorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.torch.pytorch.TorchSaveWriter.Pickle;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** The restricted pickle machine, on hand-written pickles. */
class UnpicklerTest {

  private static Object load(Pickle p) {
    return Unpickler.load(p.bytes(), new WeightsOnlyObjects());
  }

  private static Pickle proto2() {
    return new Pickle().op(0x80).op(2);
  }

  @Test
  void plainValuesAreBuilt() {
    Pickle p =
        proto2()
            .op('}')
            .op(0x94)
            .op('(')
            .string("neg")
            .op(0x8a)
            .op(2)
            .op(0x00)
            .op(0xff) // LONG1 -256
            .string("big")
            .integer(1L << 40)
            .string("half")
            .op('G')
            .op(0x3f)
            .op(0xe0)
            .op(0)
            .op(0)
            .op(0)
            .op(0)
            .op(0)
            .op(0) // BINFLOAT 0.5, big-endian
            .string("items")
            .op(']')
            .op('(')
            .op('N')
            .op(0x88)
            .op(0x89)
            .op('e') // [None, True, False]
            .string("pair")
            .integer(1)
            .op(0x8c)
            .op(1)
            .op('x')
            .op(0x86) // (1, 'x') with SHORT_BINUNICODE
            .string("self")
            .op('h')
            .op(0) // the dict, from the memo
            .op('u')
            .op('.');
    Map<?, ?> d = (Map<?, ?>) load(p);
    assertThat(d.get("neg")).isEqualTo(-256L);
    assertThat(d.get("big")).isEqualTo(1L << 40);
    assertThat(d.get("half")).isEqualTo(0.5);
    List<Object> items = new ArrayList<>();
    items.add(null);
    items.add(true);
    items.add(false);
    assertThat(d.get("items")).isEqualTo(items);
    assertThat(((Tuple) d.get("pair")).items()).containsExactly(1L, "x");
    assertThat(d.get("self")).isSameAs(d);
  }

  @Test
  void osSystemIsRefusedByName() {
    Pickle p = proto2().global("os", "system").string("touch /tmp/x").op(0x85).op('R').op('.');
    assertThatThrownBy(() -> load(p))
        .isInstanceOf(PickleException.class)
        .hasMessageStartingWith("byte 2 (opcode 0x63): global 'os.system' is not allowed");
  }

  @Test
  void stackGlobalIsCheckedToo() {
    Pickle exec = new Pickle().op(0x80).op(4); // protocol 4 names globals by two SHORT_BINUNICODEs
    for (String s : new String[] {"builtins", "exec"}) {
      exec.op(0x8c).op(s.length());
      s.chars().forEach(exec::op);
    }
    exec.op(0x93).op('.');
    assertThatThrownBy(() -> load(exec))
        .hasMessageContaining("global 'builtins.exec' is not allowed");
  }

  @Test
  void aStorageClassCannotBeCalled() {
    Pickle p = proto2().global("torch", "FloatStorage").op(')').op('R').op('.');
    assertThatThrownBy(() -> load(p)).hasMessageContaining("torch.FloatStorage cannot be called");
  }

  @Test
  void opcodesThatBuildArbitraryObjectsAreRefused() {
    Pickle inst = proto2().op('(').op('i').op('.'); // INST
    assertThatThrownBy(() -> load(inst))
        .hasMessageContaining("opcode 0x69 is not one a state dict needs");
    Pickle newobj = proto2().global("collections", "OrderedDict").op(')').op(0x81).op('.');
    assertThatThrownBy(() -> load(newobj))
        .hasMessageContaining("opcode 0x81 is not one a state dict needs");
  }

  @Test
  void malformedPicklesFailCleanly() {
    assertThatThrownBy(() -> load(proto2().op('X').op(0xff).op(0xff).op(0).op(0).op('.')))
        .hasMessageContaining("needs 65535 bytes but the pickle ends after 1: truncated");
    assertThatThrownBy(() -> load(proto2().op('h').op(7).op('.')))
        .hasMessageContaining("memo index 7 was never stored");
    assertThatThrownBy(() -> load(proto2().op('}').string("k")))
        .hasMessageContaining("without a STOP opcode");
    assertThatThrownBy(() -> load(proto2().op('}').op('(').op('R').op('.')))
        .hasMessageContaining("needs 1 object but the stack holds fewer above its mark");
    assertThatThrownBy(() -> load(proto2().op('}').op(']').op(']').op('s').op('.')))
        .hasMessageContaining("dict key of type list: state dicts use string keys");
    assertThatThrownBy(() -> load(new Pickle().op(0x80).op(1).op('.')))
        .hasMessageContaining("pickle protocol 1");
  }

  @Test
  void corruptedPicklesFailOnlyWithPickleExceptions() throws IOException {
    byte[] good;
    try (ZipFile zip = new ZipFile(FixtureFileTest.fixture("every_dtype.bin").toFile())) {
      good = zip.getInputStream(zip.getEntry("every_dtype/data.pkl")).readAllBytes();
    }
    Random random = new Random(16);
    int refused = 0;
    for (int trial = 0; trial < 3000; trial++) {
      byte[] bad = good.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
      }
      try {
        Unpickler.load(bad, new WeightsOnlyObjects());
      } catch (PickleException e) {
        refused++;
      }
    }
    assertThat(refused).as("most corruptions are caught").isGreaterThan(1500);
  }
}
