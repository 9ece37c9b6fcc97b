package io.quiver.server;

import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The scan log: one INFO line on logger {@value #LOGGER} when a DoGet stream of a scan ends, with
 * its outcome and what it did as key-value pairs (separate fields in JSON, {@code key=value} in
 * text; see the README's Logging section). Holds no mount option, token or credential: only table
 * and file names, column names, counts, the caller's user name and the error message the client
 * also got.
 *
 * <p>Thread-safe (stateless).
 */
final class ScanLog {
  /** The logger of the scan lines. */
  static final String LOGGER = "quiver.scan";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private ScanLog() {}

  /**
   * Logs the end of one stream of {@code ticket}.
   *
   * @param user the caller's name; empty for anonymous
   * @param failure why the stream failed (as the client saw it), or null
   * @param cancelled whether the client cancelled it
   */
  static void ended(
      ScanTicket ticket,
      String user,
      StreamStats stats,
      long startNanos,
      FlightRuntimeException failure,
      boolean cancelled) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    String outcome = failure != null ? "error" : cancelled ? "cancelled" : "ok";
    LoggingEventBuilder line =
        LOG.atInfo()
            .setMessage("scan")
            .addKeyValue("outcome", outcome)
            .addKeyValue(
                "table", ticket.source() != null ? ticket.source() : ticket.parts().get(0).path())
            .addKeyValue("columns", ticket.columns())
            .addKeyValue("filter", ticket.filter() != null)
            .addKeyValue("units", stats.units)
            .addKeyValue("pruned", ticket.pruned())
            .addKeyValue("rows", stats.rows)
            .addKeyValue("storage_bytes", stats.storageBytes)
            .addKeyValue("decoded_bytes", stats.loadedBytes)
            .addKeyValue("cache_bytes", stats.cacheBytes)
            .addKeyValue("chunks_loaded", stats.chunksLoaded)
            .addKeyValue("chunks_cached", stats.chunksCached)
            .addKeyValue("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    if (user != null && !user.isEmpty()) {
      line = line.addKeyValue("user", user);
    }
    if (failure != null) {
      line =
          line.addKeyValue("status", failure.status().code().name())
              .addKeyValue("error", failure.status().description());
    }
    line.log();
  }
}
