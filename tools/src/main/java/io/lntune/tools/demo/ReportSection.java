package io.lntune.tools.demo;

import java.util.Base64;
import java.util.List;

/**
 * One analysis section of the demo's report, independent of the format: a title, paragraphs, an
 * optional table, findings (one line per claim of the paper, with its verdict) and figures. It
 * renders itself as Markdown (figures as links to their files) and as HTML (figures embedded).
 *
 * @param title the section's heading
 * @param paragraphs plain text, each a paragraph
 * @param headers the table's column names; empty for no table
 * @param rows the table's rows, each as long as {@code headers}
 * @param findings plain-text lines, each a bullet
 * @param figures the section's images, in order
 */
record ReportSection(
    String title,
    List<String> paragraphs,
    List<String> headers,
    List<List<String>> rows,
    List<String> findings,
    List<Figure> figures) {

  /**
   * An image of the report, written next to it as {@code file}.
   *
   * @param file its file name in the report's directory
   * @param png its PNG bytes
   * @param alt what it shows, in words
   */
  record Figure(String file, byte[] png, String alt) {}

  /** Copies the lists; checks that every row fits the headers. */
  ReportSection {
    paragraphs = List.copyOf(paragraphs);
    headers = List.copyOf(headers);
    rows = rows.stream().map(List::copyOf).toList();
    findings = List.copyOf(findings);
    figures = List.copyOf(figures);
    for (List<String> row : rows) {
      if (row.size() != headers.size()) {
        throw new IllegalArgumentException(
            title + ": a row of " + row.size() + " cells under " + headers.size() + " headers");
      }
    }
  }

  /** {@return the section as Markdown, from its {@code ##} heading to a blank line} */
  String markdown() {
    StringBuilder out = new StringBuilder("\n## ").append(DemoReport.markdownEscape(title));
    out.append("\n\n");
    paragraphs.forEach(p -> out.append(DemoReport.markdownEscape(p)).append("\n\n"));
    if (!headers.isEmpty()) {
      appendMarkdownTable(out, headers, rows);
      out.append('\n');
    }
    findings.forEach(f -> out.append("- ").append(DemoReport.markdownEscape(f)).append('\n'));
    if (!findings.isEmpty()) {
      out.append('\n');
    }
    figures.forEach(
        f ->
            out.append("![")
                .append(DemoReport.markdownEscape(f.alt()))
                .append("](")
                .append(f.file())
                .append(")\n\n"));
    return out.toString();
  }

  /** {@return the section as HTML, from its {@code h2} heading, with its figures embedded} */
  String html() {
    StringBuilder out = new StringBuilder("<h2>").append(DemoHtml.escape(title)).append("</h2>\n");
    paragraphs.forEach(p -> out.append("<p>").append(DemoHtml.escape(p)).append("</p>\n"));
    if (!headers.isEmpty()) {
      appendHtmlTable(out, headers, rows);
    }
    if (!findings.isEmpty()) {
      out.append("<ul>\n");
      findings.forEach(f -> out.append("<li>").append(DemoHtml.escape(f)).append("</li>\n"));
      out.append("</ul>\n");
    }
    figures.forEach(
        f ->
            out.append("<p><img src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(f.png()))
                .append("\" alt=\"")
                .append(DemoHtml.escape(f.alt()))
                .append("\"></p>\n"));
    return out.toString();
  }

  /** Appends a Markdown table: the first column left-aligned, the others right-aligned. */
  static void appendMarkdownTable(
      StringBuilder out, List<String> headers, List<List<String>> rows) {
    appendMarkdownRow(out, headers);
    out.append("|:---").append("|---:".repeat(headers.size() - 1)).append("|\n");
    rows.forEach(row -> appendMarkdownRow(out, row));
  }

  private static void appendMarkdownRow(StringBuilder out, List<String> cells) {
    cells.forEach(c -> out.append("| ").append(DemoReport.markdownEscape(c)).append(' '));
    out.append("|\n");
  }

  /** Appends an HTML table with a header row. */
  static void appendHtmlTable(StringBuilder out, List<String> headers, List<List<String>> rows) {
    out.append("<table>\n<thead>\n");
    appendHtmlRow(out, headers, "th");
    out.append("</thead>\n<tbody>\n");
    rows.forEach(row -> appendHtmlRow(out, row, "td"));
    out.append("</tbody>\n</table>\n");
  }

  private static void appendHtmlRow(StringBuilder out, List<String> cells, String tag) {
    out.append("<tr>");
    cells.forEach(
        c ->
            out.append('<')
                .append(tag)
                .append('>')
                .append(DemoHtml.escape(c))
                .append("</")
                .append(tag)
                .append('>'));
    out.append("</tr>\n");
  }
}
