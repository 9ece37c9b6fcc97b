package io.quiver.bench.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG charts of a run (xchart): MB/s per contender per scan workload, concurrent latencies, and the
 * SQL workloads' median times.
 */
final class Charts {
  private Charts() {}

  /** Writes the charts into {@code dir} and returns their file names. */
  static List<String> write(Path dir, List<Summary> summaries) throws IOException {
    List<String> files = new ArrayList<>();
    List<String> scanWorkloads =
        summaries.stream()
            .filter(s -> s.latencyP50Millis() < 0 && !SqlWorkloads.isSql(s.workload()))
            .map(Summary::workload)
            .distinct()
            .toList();
    List<String> contenders = summaries.stream().map(Summary::contender).distinct().toList();
    if (!scanWorkloads.isEmpty()) {
      CategoryChart chart =
          new CategoryChartBuilder()
              .width(1200)
              .height(600)
              .title("Arrow MB/s delivered to the client (median)")
              .xAxisTitle("workload")
              .yAxisTitle("MB/s")
              .build();
      chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
      for (String c : contenders) {
        List<Double> values = new ArrayList<>();
        for (String w : scanWorkloads) {
          values.add(
              summaries.stream()
                  .filter(s -> s.contender().equals(c) && s.workload().equals(w))
                  .mapToDouble(Summary::megabytesPerSecond)
                  .findFirst()
                  .orElse(0));
        }
        if (values.stream().anyMatch(v -> v > 0)) {
          chart.addSeries(c, scanWorkloads, values);
        }
      }
      BitmapEncoder.saveBitmap(
          chart, dir.resolve("throughput").toString(), BitmapEncoder.BitmapFormat.PNG);
      files.add("throughput.png");
    }
    List<Summary> concurrent = summaries.stream().filter(s -> s.latencyP50Millis() >= 0).toList();
    if (!concurrent.isEmpty()) {
      CategoryChart chart =
          new CategoryChartBuilder()
              .width(1000)
              .height(600)
              .title("Concurrent column-chunk requests: latency (ms)")
              .xAxisTitle("contender")
              .yAxisTitle("ms")
              .build();
      List<String> names =
          concurrent.stream().map(s -> s.contender() + " " + s.workload()).toList();
      chart.addSeries("p50", names, concurrent.stream().map(Summary::latencyP50Millis).toList());
      chart.addSeries("p99", names, concurrent.stream().map(Summary::latencyP99Millis).toList());
      BitmapEncoder.saveBitmap(
          chart, dir.resolve("latency").toString(), BitmapEncoder.BitmapFormat.PNG);
      files.add("latency.png");
    }
    List<String> sqlWorkloads =
        summaries.stream().map(Summary::workload).filter(SqlWorkloads::isSql).distinct().toList();
    if (!sqlWorkloads.isEmpty()) {
      CategoryChart chart =
          new CategoryChartBuilder()
              .width(1200)
              .height(600)
              .title("SQL workloads: median time per query (ms)")
              .xAxisTitle("workload")
              .yAxisTitle("ms")
              .build();
      chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
      for (String c : contenders) {
        List<Double> values = new ArrayList<>();
        for (String w : sqlWorkloads) {
          values.add(
              summaries.stream()
                  .filter(s -> s.contender().equals(c) && s.workload().equals(w))
                  .mapToDouble(s -> s.wallMedianSeconds() * 1e3)
                  .findFirst()
                  .orElse(0));
        }
        if (values.stream().anyMatch(v -> v > 0)) {
          chart.addSeries(c, sqlWorkloads, values);
        }
      }
      if (!chart.getSeriesMap().isEmpty()) {
        BitmapEncoder.saveBitmap(
            chart, dir.resolve("sql").toString(), BitmapEncoder.BitmapFormat.PNG);
        files.add("sql.png");
      }
    }
    return files;
  }
}
