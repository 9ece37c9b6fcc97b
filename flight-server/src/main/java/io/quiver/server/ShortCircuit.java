package io.quiver.server;

import io.quiver.cache.SharedMemory;
import io.quiver.catalog.Catalog;
import io.quiver.protocol.ErrorCode;
import io.quiver.protocol.action.ShortCircuitRequest;
import io.quiver.protocol.action.ShortCircuitResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Short-circuit reads: a client on this host reads a ticket by mapping the cached chunks' files in
 * the memory tier's shared-memory directory ({@link SharedMemory}) instead of streaming them, with
 * no copy and no socket. The {@code short-circuit} action ({@link ShortCircuitRequest}) opens a
 * <em>lease</em> on a ticket and walks its units with a {@link ScanCursor}, as a {@code DoGet}
 * would; the lease holds the current unit's chunks (so they are neither evicted nor deleted) until
 * the client asks for the next unit, closes it, or leaves it idle for the lease time.
 *
 * <p>Access is a {@code DoGet}'s: the ticket must be valid and issued to the caller, and a lease is
 * only advanced or closed by the user who opened it. What is read this way is logged and counted
 * like a stream ({@link ScanLog}). A unit that cannot be mapped (the ticket has a filter, a column
 * is made per batch, a chunk is not in shared memory) ends the lease with a {@code fallback}
 * reason; the client reads the rest of the ticket over Flight.
 *
 * <p>Thread-safety: thread-safe; requests on one lease run one at a time.
 */
final class ShortCircuit implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShortCircuit.class);

  /** How long an idle lease is kept by default. */
  static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(30);

  /** The most leases open at once on a node (each holds a unit's chunks). */
  static final int MAX_LEASES = 1024;

  private final Catalog catalog;
  private final UnitLoader units;
  private final BufferAllocator copies;
  private final ScanMetrics metrics;
  private final TicketSigner signer;
  private final SharedMemory shared;
  private final long leaseNanos;
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reaper;
  private final SecureRandom random = new SecureRandom();

  /** One open lease: a cursor over a ticket, used by one request at a time. */
  private final class Lease {
    final String id;
    final String user;
    final ScanTicket ticket;
    final ScanCursor cursor;
    final StreamStats stats;
    final long startNanos = System.nanoTime();
    volatile long lastUsedNanos = System.nanoTime();
    boolean closed;

    Lease(String id, String user, ScanTicket ticket, ScanCursor cursor, StreamStats stats) {
      this.id = id;
      this.stats = stats;
      this.user = user;
      this.ticket = ticket;
      this.cursor = cursor;
    }

    /** Releases the chunks and logs the read; idempotent. Call with the lease's lock held. */
    void end(String why) {
      if (closed) {
        return;
      }
      closed = true;
      leases.remove(id, this);
      metrics.leaseEnded();
      try {
        cursor.close();
      } finally {
        ScanLog.ended(ticket, user, stats, startNanos, null, why != null);
        if (why != null) {
          LOG.debug("short-circuit lease {} of {} ended: {}", id, user, why);
        }
      }
    }
  }

  /**
   * @param shared the memory tier's shared-memory directory; null when the node keeps chunks in
   *     ordinary memory (every request is then refused with {@code UNIMPLEMENTED})
   * @param leaseTime how long an idle lease is kept
   */
  ShortCircuit(
      Catalog catalog,
      UnitLoader units,
      BufferAllocator copies,
      ScanMetrics metrics,
      TicketSigner signer,
      SharedMemory shared,
      Duration leaseTime) {
    this.catalog = catalog;
    this.units = units;
    this.copies = copies;
    this.metrics = metrics;
    this.signer = signer;
    this.shared = shared;
    this.leaseNanos = leaseTime.toNanos();
    if (shared == null) {
      this.reaper = null;
    } else {
      this.reaper =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "quiver-short-circuit-leases");
                t.setDaemon(true);
                return t;
              });
      long period = Math.max(10, leaseTime.toMillis() / 4);
      reaper.scheduleWithFixedDelay(this::expire, period, period, TimeUnit.MILLISECONDS);
    }
  }

  /** Whether this node serves short-circuit reads. */
  boolean enabled() {
    return shared != null;
  }

  /** Leases open now. */
  int openLeases() {
    return leases.size();
  }

  /** The {@code short-circuit} action. */
  ShortCircuitResponse handle(ActionHandler.Call call, ShortCircuitRequest r) throws IOException {
    int set =
        (r.ticket() != null ? 1 : 0) + (r.next() != null ? 1 : 0) + (r.close() != null ? 1 : 0);
    if (set != 1) {
      throw FlightErrors.error(
          ErrorCode.INVALID_REQUEST,
          "short-circuit takes exactly one of \"ticket\", \"next\" and \"close\"");
    }
    if (shared == null) {
      throw FlightErrors.error(
          ErrorCode.UNIMPLEMENTED,
          "short-circuit reads are off on this node (start it with --short-circuit)");
    }
    String user = call.caller().name();
    if (r.close() != null) {
      Lease lease = leases.get(r.close());
      if (lease != null && lease.user.equals(user)) {
        synchronized (lease) {
          lease.end(null);
        }
      }
      return new ShortCircuitResponse(null, null, null, null, 0, List.of(), true, false, null);
    }
    if (r.next() != null) {
      Lease lease = leases.get(r.next());
      if (lease == null || !lease.user.equals(user)) {
        throw FlightErrors.error(
            ErrorCode.NOT_FOUND,
            "No short-circuit lease "
                + r.next()
                + " (it was closed, or expired after "
                + leaseNanos / 1_000_000
                + " ms idle): read the rest of the ticket over Flight");
      }
      synchronized (lease) {
        if (lease.closed) {
          throw FlightErrors.error(
              ErrorCode.NOT_FOUND, "Short-circuit lease " + r.next() + " has ended");
        }
        return advance(lease, null, null);
      }
    }
    byte[] ticketBytes;
    try {
      ticketBytes = Base64.getDecoder().decode(r.ticket());
    } catch (IllegalArgumentException e) {
      throw FlightErrors.error(
          ErrorCode.INVALID_REQUEST, "The ticket is not base64: " + e.getMessage());
    }
    ScanTicket ticket = signer.open(ticketBytes, user);
    if (leases.size() >= MAX_LEASES) {
      throw FlightErrors.error(
          ErrorCode.RESOURCE_EXHAUSTED,
          MAX_LEASES + " short-circuit leases are open on this node; read over Flight");
    }
    byte[] id = new byte[16];
    random.nextBytes(id);
    StreamStats stats = new StreamStats();
    ScanCursor cursor = new ScanCursor(catalog, units, copies, metrics, stats, ticket);
    String schema;
    try {
      schema = schemaOf(cursor.schema());
    } catch (IOException | RuntimeException e) {
      cursor.close();
      throw e;
    }
    Lease lease = new Lease(HexFormat.of().formatHex(id), user, ticket, cursor, stats);
    synchronized (lease) {
      metrics.leaseOpened();
      leases.put(lease.id, lease);
      return advance(lease, shared.directory().toString(), schema);
    }
  }

  /** Moves the lease to its next unit and answers it; call with the lease's lock held. */
  private ShortCircuitResponse advance(Lease lease, String directory, String schema)
      throws IOException {
    lease.lastUsedNanos = System.nanoTime();
    ScanCursor.SharedUnit unit;
    try {
      unit = lease.cursor.nextShared();
    } catch (IOException | RuntimeException | Error e) {
      lease.end("failed: " + e);
      throw e;
    } finally {
      lease.lastUsedNanos = System.nanoTime();
    }
    String token = directory == null ? null : shared.token();
    long millis = leaseNanos / 1_000_000;
    if (unit == null) {
      lease.end(null);
      return new ShortCircuitResponse(
          null, directory, token, schema, millis, List.of(), true, false, null);
    }
    if (unit.fallback() != null) {
      lease.end(unit.fallback());
      return new ShortCircuitResponse(
          null, directory, token, schema, millis, List.of(), false, false, unit.fallback());
    }
    return new ShortCircuitResponse(
        lease.id,
        directory,
        token,
        schema,
        millis,
        unit.batches(),
        false,
        !lease.cursor.hasMoreUnits(),
        null);
  }

  /** Ends the leases idle for longer than the lease time. */
  private void expire() {
    long now = System.nanoTime();
    List<Lease> idle = new ArrayList<>();
    for (Lease lease : leases.values()) {
      if (now - lease.lastUsedNanos > leaseNanos) {
        idle.add(lease);
      }
    }
    for (Lease lease : idle) {
      synchronized (lease) {
        if (System.nanoTime() - lease.lastUsedNanos > leaseNanos) {
          lease.end("idle for more than " + leaseNanos / 1_000_000 + " ms");
        }
      }
    }
  }

  private static String schemaOf(Schema schema) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), schema);
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  /** Ends every lease (the node is stopping). */
  @Override
  public void close() {
    if (reaper != null) {
      reaper.shutdownNow();
    }
    for (Lease lease : List.copyOf(leases.values())) {
      synchronized (lease) {
        lease.end("the node is stopping");
      }
    }
  }
}
