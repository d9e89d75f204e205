/**
 * The report of {@code lntune demo}: {@link io.lntune.tools.demo.DemoRun} holds one strategy's
 * results, {@link io.lntune.tools.demo.DemoSetup} what the demo ran on, and {@link
 * io.lntune.tools.demo.DemoReport} writes both as Markdown, CSV, a PNG chart and one self-contained
 * HTML page, and as a table for the console.
 */
package io.lntune.tools.demo;
