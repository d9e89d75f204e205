package io.lntune.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's JShell session, run exactly as written: its shell commands, then its Java lines in
 * bin/lntune-jshell.
 */
class ReadmeSessionIT {
  @Test
  void worksAsWritten() throws Exception {
    String readme = Files.readString(Processes.repositoryRoot().resolve("README.md"));
    String section = readme.substring(readme.indexOf("## A JShell session"));
    section = section.substring(0, section.indexOf("\n## ", 5));
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL).matcher(section);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    assertThat(blocks).hasSize(2);
    String synth =
        blocks
            .get(0)
            .lines()
            .filter(l -> l.startsWith("bin/lntune synth"))
            .findFirst()
            .orElseThrow();
    Processes.Result made = Processes.run(List.of("bash", "-c", synth), Map.of(), 300);
    assertThat(made.exitCode()).as(made.output()).isZero();
    Path session = Files.createTempFile("readme-session", ".jsh");
    Files.writeString(session, blocks.get(1) + "/exit\n");
    Processes.Result run =
        Processes.run(List.of("bash", "-c", "bin/lntune-jshell -q < " + session), Map.of(), 600);
    assertThat(run.output())
        .containsPattern("loss [0-9.]+ -> [0-9.]+, [0-9.]+% of [0-9,]+ parameters trained")
        .doesNotContain("Exception")
        .doesNotContain("|  Error");
  }
}
