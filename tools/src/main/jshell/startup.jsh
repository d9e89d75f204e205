// lntune JShell start-up: the project's packages and libtorch's, ready to use.
// Started by bin/lntune-jshell, which puts the project on the class path.
import java.nio.file.*;
import java.util.*;
import io.lntune.*;
import io.lntune.torch.*;
import io.lntune.torch.safetensors.*;
import io.lntune.models.llama.*;
import io.lntune.models.llava.*;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.*;
import io.lntune.training.run.*;
import io.lntune.training.strategy.*;
import io.lntune.training.listener.*;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Scalar;
import static org.bytedeco.pytorch.global.torch.*;

Torch.init();
System.out.println("lntune: libtorch loaded; the README has a session to try");
