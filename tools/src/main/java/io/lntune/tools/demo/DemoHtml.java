package io.lntune.tools.demo;

import java.util.Base64;
import java.util.List;

/**
 * The demo report as one HTML file that needs nothing else: styles inline, the chart as a data URI.
 */
final class DemoHtml {
  private DemoHtml() {}

  static String render(
      DemoSetup setup, List<DemoRun> runs, byte[] chartPng, List<ReportSection> sections) {
    StringBuilder out = new StringBuilder(chartPng.length * 4 / 3 + 4096);
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>lntune demo: LayerNorm tuning and the other strategies</title>\n")
        .append("<style>\n")
        .append(
            "body { font-family: system-ui, sans-serif; color: #222; max-width: 1240px; margin: 2em auto; ")
        .append("padding: 0 1em; line-height: 1.45; }\n")
        .append("table { border-collapse: collapse; margin: 1em 0; }\n")
        .append(
            "th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }\n")
        .append("th:first-child, td:first-child { text-align: left; }\n")
        .append("td { font-variant-numeric: tabular-nums; }\n")
        .append("img { max-width: 100%; height: auto; }\n")
        .append("</style>\n</head>\n<body>\n")
        .append("<h1>lntune demo: LayerNorm tuning and the other strategies</h1>\n<ul>\n");
    for (String line : DemoTable.setupLines(setup)) {
      out.append("<li>").append(escape(line)).append("</li>\n");
    }
    out.append("</ul>\n");
    ReportSection.appendHtmlTable(out, DemoTable.HEADERS, DemoTable.rows(runs));
    out.append("<p>")
        .append(escape(DemoTable.chanceLine(setup)))
        .append("</p>\n")
        .append("<p><img src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(chartPng))
        .append("\" width=\"")
        .append(DemoChart.WIDTH)
        .append("\" height=\"")
        .append(DemoChart.HEIGHT)
        .append(
            "\" alt=\"Left: stage-2 training loss per step for each strategy. Right: held-out accuracy per ")
        .append("strategy with its 95% interval, and a dashed line at chance.\"></p>\n");
    List<String> differences = DemoTable.differenceLines(runs);
    if (!differences.isEmpty()) {
      out.append("<h2>Which differences are real</h2>\n<p>")
          .append(escape(DemoTable.DIFFERENCES_INTRO))
          .append("</p>\n<ul>\n");
      differences.forEach(line -> out.append("<li>").append(escape(line)).append("</li>\n"));
      out.append("</ul>\n");
    }
    sections.forEach(section -> out.append(section.html()));
    out.append(
            "<h2>How to read this</h2>\n<p>Each row is one strategy finetuning the same tiny LLaVA on the same ")
        .append(
            "pictures. <em>Trainable share</em> is the part of all parameters that the strategy updates; ")
        .append(
            "<em>peak memory</em> and <em>ms/step</em> are what training cost. <em>Held-out accuracy</em> is the ")
        .append(
            "share of questions about pictures left out of training that the model answers correctly: it ")
        .append(
            "shows what was learned rather than memorised, and it means something only above the chance line. ")
        .append(
            "The loss curves on the left show how fast each strategy fits its training data; a curve that ")
        .append(
            "keeps falling while the accuracy stays near chance is memorising.</p>\n</body>\n</html>\n");
    return out.toString();
  }

  /** {@return {@code text} safe inside HTML elements and quoted attributes} */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
