// lntune JShell start-up: the project's packages and libtorch's, ready to use.
// Started by bin/lntune-jshell, which puts the project on the class path.
import java.nio.file.*;
import java.util.*;
import io.lntune.torch.*;
import io.lntune.torch.safetensors.*;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Scalar;
import static org.bytedeco.pytorch.global.torch.*;

Torch.init();
System.out.println("lntune: libtorch loaded; try SafetensorsCheckpoint.open(Path.of(\"model.safetensors\")).names()");
