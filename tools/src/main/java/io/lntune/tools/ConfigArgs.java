package io.lntune.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Expands {@code --config FILE.json} (or {@code --config=FILE.json}) into options: each key of the
 * JSON object becomes {@code --key value}, placed before the command line's own options, which
 * therefore win (the command line allows an option twice, last wins).
 */
final class ConfigArgs {
  private ConfigArgs() {}

  static String[] expand(String[] args) {
    List<String> list = new ArrayList<>(Arrays.asList(args));
    int at = -1;
    for (int i = 0; i < list.size() && at < 0; i++) {
      at = list.get(i).equals("--config") || list.get(i).startsWith("--config=") ? i : -1;
    }
    if (at < 0) {
      return args;
    }
    String option = list.remove(at);
    if (option.equals("--config") && at >= list.size()) {
      throw new IllegalArgumentException("--config needs a file: --config FILE.json");
    }
    Path file =
        Path.of(
            option.equals("--config") ? list.remove(at) : option.substring("--config=".length()));
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new LntuneException(file + ": cannot read the config: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new LntuneException(
          file + ": the config must be a JSON object of option names and values");
    }
    List<String> fromFile = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      fromFile.add("--" + e.getKey());
      fromFile.add(e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
    }
    list.addAll(1, fromFile); // after the subcommand name
    return list.toArray(new String[0]);
  }
}
