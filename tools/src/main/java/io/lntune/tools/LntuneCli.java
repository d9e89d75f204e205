package io.lntune.tools;

import io.lntune.tools.bench.BenchCommand;
import io.lntune.tools.bench.BenchStepCommand;
import io.lntune.tools.demo.DemoCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code lntune} command. Started by {@code bin/lntune}, which builds the project on first use
 * and sets the thread environment before the JVM starts.
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
    description =
        "Finetune LLaVA-style multi-modal LLMs by training only the LayerNorms in attention blocks.",
    subcommands = {
      InspectCommand.class,
      LogitsCommand.class,
      GenerateCommand.class,
      EvalCommand.class,
      AnalyzeCommand.class,
      TrainCommand.class,
      DemoCommand.class,
      ParamsCommand.class,
      FeaturesCommand.class,
      TokenizeCommand.class,
      SynthCommand.class,
      BenchDataCommand.class,
      BenchCommand.class,
      BenchStepCommand.class,
      CommandLine.HelpCommand.class
    })
public final class LntuneCli {

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print the stack trace of a failure " + "(also LNTUNE_VERBOSE=1).")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(execute(commandLine(), args));
  }

  /**
   * Runs {@code args} on {@code cli} after expanding {@code --config}; every failure goes through
   * {@link CliErrors}. {@return the exit status}
   */
  static int execute(CommandLine cli, String[] args) {
    String[] expanded;
    try {
      expanded = ConfigArgs.expand(args);
    } catch (RuntimeException e) {
      return CliErrors.report(e, cli.getErr(), CliErrors.verboseFromEnvironment(System.getenv()));
    }
    return cli.execute(expanded);
  }

  /**
   * {@return the configured command line} Failures print as one line naming what was wrong: status
   * 2 for a bad option or setting, 1 for a failure while running (see {@link CliErrors}).
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new LntuneCli());
    cli.setOverwrittenOptionsAllowed(
        true); // --config values first, the command line's own after them
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> CliErrors.report(e, cmd.getErr(), verbose(parsed)));
    return cli;
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return CliErrors.verboseFromEnvironment(System.getenv());
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
        "libtorch via JavaCPP pytorch "
            + p.getProperty("pytorch.version")
            + ", Java "
            + Runtime.version()
      };
    }
  }
}
