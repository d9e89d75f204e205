package io.lntune.tools;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code lntune analyze}: the paper's analyses of trained models, one subcommand each.
 *
 * <pre>{@code
 * lntune analyze similarity --model DIR --adapter ln=runs/ln --data eval.json --images DIR --out runs/similarity
 * }</pre>
 */
@Command(
    name = "analyze",
    mixinStandardHelpOptions = true,
    description =
        "Analyses of trained models: similarity (how alike the decoder layers are, per model and adapter), "
            + "gradients (the gradient statistics of training runs).",
    subcommands = {SimilarityCommand.class, GradientsCommand.class})
final class AnalyzeCommand implements Callable<Integer> {
  /** Without a subcommand there is nothing to do: a usage error. */
  @Override
  public Integer call() {
    throw new IllegalArgumentException(
        "name an analysis: lntune analyze similarity ... (lntune analyze --help)");
  }
}
