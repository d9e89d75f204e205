package io.lntune.tools;

import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lntune} command. Started by {@code bin/lntune}, which builds the project on first use and sets
 * the thread environment before the JVM starts.
 *
 * <pre>{@code
 * bin/lntune --help
 * bin/lntune inspect /models/vicuna-7b-v1.5
 * bin/lntune features --model /models/clip-vit-large-patch14-336 --image cat.jpg --out cat-features.safetensors
 * }</pre>
 */
@Command(
    name = "lntune",
    mixinStandardHelpOptions = true,
    versionProvider = LntuneCli.Version.class,
    description = "Finetune LLaVA-style multi-modal LLMs by training only the LayerNorms in attention blocks.",
    subcommands = {
      InspectCommand.class,
      LogitsCommand.class,
      GenerateCommand.class,
      EvalCommand.class,
      TrainCommand.class,
      io.lntune.tools.demo.DemoCommand.class,
      ParamsCommand.class,
      FeaturesCommand.class,
      TokenizeCommand.class,
      SynthCommand.class,
      BenchDataCommand.class,
      io.lntune.tools.bench.BenchCommand.class,
      io.lntune.tools.bench.BenchStepCommand.class,
      CommandLine.HelpCommand.class
    })
public final class LntuneCli {

  public static void main(String[] args) {
    System.exit(commandLine().execute(ConfigArgs.expand(args)));
  }

  /** {@return the configured command line: lntune's own errors print as one line and exit with status 1} */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new LntuneCli());
    cli.setOverwrittenOptionsAllowed(true); // --config values first, the command line's own after them
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof LntuneException || e instanceof IllegalArgumentException) {
        cmd.getErr().println("lntune: " + e.getMessage());
        return 1;
      }
      throw e;
    });
    return cli;
  }

  /** Reads the versions Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = LntuneCli.class.getResourceAsStream("version.properties")) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new String[] {
        "lntune " + p.getProperty("lntune.version"),
        "libtorch via JavaCPP pytorch " + p.getProperty("pytorch.version") + ", Java " + Runtime.version()
      };
    }
  }
}
