package io.quiver.bench.harness;

import java.util.List;
import java.util.Map;

/**
 * Everything one benchmark run produced; written as {@code results.json}.
 *
 * @param startedAt ISO-8601 start time
 * @param config the options and dataset the run used
 * @param measurements every measured run
 * @param summaries medians and spreads per contender and workload
 * @param servers per server process: peak RSS and other memory figures
 * @param failures contenders that could not run, with the reason
 * @param targets the targets, met or missed
 * @param notes caveats of this run (e.g. what is not interleaved)
 */
public record BenchResults(
    String startedAt,
    Map<String, Object> config,
    List<Measurement> measurements,
    List<Summary> summaries,
    Map<String, Map<String, Object>> servers,
    Map<String, String> failures,
    List<Target> targets,
    List<String> notes) {}
