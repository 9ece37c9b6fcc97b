package io.quiver.client;

import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.ShortCircuitRequest;
import io.quiver.protocol.action.ShortCircuitResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A client's knowledge for short-circuit reads ({@link ShortCircuitStream}): which nodes are on
 * this host, which refused short-circuit reads (started without {@code --short-circuit}) and which
 * shared-memory directories this process can see. Learned once per node, so a remote node or one
 * with the feature off costs no extra call after the first.
 *
 * <p>It also keeps the files it mapped, up to a byte limit (least recently used first out): the
 * first touch of each page of a fresh mapping costs a page fault (measured here: about 2 GB/s on a
 * tmpfs, against tens of GB/s for pages already mapped), so a client that reads the same cached
 * columns again maps them once. A file's content never changes (the node writes a new file, with a
 * new name, for a chunk it loads again), so a kept mapping is never stale; files the node has
 * deleted are dropped from the cache at the next read at most a second later, so that their memory
 * goes back to the system. Kept mappings count against the client's allocator.
 *
 * <p>Thread-safe.
 */
final class ShortCircuits implements AutoCloseable {
  private static final long SWEEP_NANOS = 1_000_000_000L;

  /** Whether a node is worth asking: on this host and not known to refuse. */
  private final Map<String, Boolean> usable = new ConcurrentHashMap<>();

  /** Directories whose token this process read, with the token it read. */
  private final Map<String, String> tokens = new ConcurrentHashMap<>();

  /** The own node's location, for endpoints without locations. */
  private final Location own;

  private final long cacheLimit;

  /** Sends lease releases nobody waits for; one daemon thread, started on first use. */
  private final java.util.concurrent.ThreadPoolExecutor closer =
      new java.util.concurrent.ThreadPoolExecutor(
          0,
          1,
          5,
          java.util.concurrent.TimeUnit.SECONDS,
          new java.util.concurrent.LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "quiver-short-circuit-close");
            t.setDaemon(true);
            return t;
          });

  /** Kept mappings, least recently used first. */
  private final LinkedHashMap<Path, MappedIpcFile> mappings = new LinkedHashMap<>(64, 0.75f, true);

  private long mappedBytes;
  private long lastSweep = System.nanoTime();
  private boolean closed;

  /**
   * @param cacheLimit bytes of mappings to keep across reads; 0 keeps none
   */
  ShortCircuits(Location own, long cacheLimit) {
    this.own = own;
    this.cacheLimit = cacheLimit;
  }

  /**
   * The mapping of {@code path}, kept or made now, as an object the caller owns (and closes).
   *
   * @throws IOException if the file cannot be mapped (deleted, say)
   */
  MappedIpcFile map(Path path, BufferAllocator allocator) throws IOException {
    sweepIfDue();
    synchronized (mappings) {
      MappedIpcFile kept = mappings.get(path);
      if (kept != null) {
        return kept.view();
      }
    }
    MappedIpcFile fresh = MappedIpcFile.map(path, allocator);
    if (fresh.size() > cacheLimit) {
      return fresh;
    }
    synchronized (mappings) {
      if (closed) {
        return fresh;
      }
      MappedIpcFile raced = mappings.get(path);
      if (raced != null) {
        fresh.close();
        return raced.view();
      }
      MappedIpcFile view = fresh.view();
      mappings.put(path, fresh);
      mappedBytes += fresh.size();
      Iterator<MappedIpcFile> oldest = mappings.values().iterator();
      while (mappedBytes > cacheLimit && oldest.hasNext()) {
        MappedIpcFile out = oldest.next();
        oldest.remove();
        mappedBytes -= out.size();
        out.close();
      }
      return view;
    }
  }

  /**
   * At most once a second, drops the kept mappings of files that are gone. The files are looked up
   * without the lock, so that readers are not held up by the file system.
   */
  private void sweepIfDue() {
    java.util.List<Path> paths;
    synchronized (mappings) {
      long now = System.nanoTime();
      if (now - lastSweep <= SWEEP_NANOS || mappings.isEmpty()) {
        return;
      }
      lastSweep = now;
      paths = java.util.List.copyOf(mappings.keySet());
    }
    java.util.List<Path> gone = paths.stream().filter(p -> !Files.exists(p)).toList();
    if (gone.isEmpty()) {
      return;
    }
    synchronized (mappings) {
      for (Path p : gone) {
        MappedIpcFile out = mappings.remove(p);
        if (out != null) {
          mappedBytes -= out.size();
          out.close();
        }
      }
    }
  }

  /** Bytes of mappings kept now. */
  long keptBytes() {
    synchronized (mappings) {
      return mappedBytes;
    }
  }

  /**
   * Releases {@code lease} on a background thread (its answer carries nothing the reader waits
   * for); a failure is ignored, the node releases an idle lease by itself.
   */
  void closeLater(FlightClient client, String lease) {
    try {
      closer.execute(
          () -> {
            try {
              call(client, ShortCircuitRequest.close(lease));
            } catch (RuntimeException e) {
              // The node releases it when it expires.
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The client is closing: the node releases it when it expires.
    }
  }

  /**
   * Sends the lease releases still queued, then drops every kept mapping (before the client's
   * connections and allocator close).
   */
  @Override
  public void close() {
    closer.shutdown();
    try {
      closer.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (mappings) {
      closed = true;
      mappings.values().forEach(MappedIpcFile::close);
      mappings.clear();
      mappedBytes = 0;
    }
  }

  /** The location an endpoint's short-circuit read asks: its first, or the client's node. */
  Location target(java.util.List<Location> locations) {
    if (locations.isEmpty()
        || "arrow-flight-reuse-connection".equals(locations.get(0).getUri().getScheme())) {
      return own;
    }
    return locations.get(0);
  }

  /** Whether to try a short-circuit read at {@code location}: on this host and not refused. */
  boolean worthTrying(Location location) {
    return usable.computeIfAbsent(key(location), k -> isLocal(location.getUri()));
  }

  /** Never ask {@code location} again (it refused, or this process cannot see its directory). */
  void giveUp(Location location) {
    usable.put(key(location), false);
  }

  /** Whether this process sees the node's directory: its token file holds {@code token}. */
  boolean seesDirectory(String directory, String token) {
    if (directory == null || token == null) {
      return false;
    }
    String read =
        tokens.computeIfAbsent(
            directory,
            d -> {
              try {
                return Files.readString(
                    Path.of(d).resolve(".quiver-token"), StandardCharsets.US_ASCII);
              } catch (IOException | RuntimeException e) {
                return ""; // another host, mount namespace or user
              }
            });
    return read.equals(token);
  }

  /** One call of the {@code short-circuit} action. */
  static ShortCircuitResponse call(FlightClient client, ShortCircuitRequest request) {
    Iterator<Result> results =
        client.doAction(
            new Action(Actions.SHORT_CIRCUIT.name(), Actions.SHORT_CIRCUIT.encodeRequest(request)));
    ShortCircuitResponse last = null;
    while (results.hasNext()) {
      last = Actions.SHORT_CIRCUIT.decodeResponse(results.next().getBody());
    }
    if (last == null) {
      throw new IllegalStateException("The node answered short-circuit with no result");
    }
    return last;
  }

  private static String key(Location location) {
    return location.getUri().toString();
  }

  /** Whether {@code uri}'s host is this machine: a loopback address or one of its interfaces'. */
  private static boolean isLocal(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      return false; // a scheme without a host (a Unix socket, say): not ours to map
    }
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (address.isLoopbackAddress()
            || address.isAnyLocalAddress()
            || NetworkInterface.getByInetAddress(address) != null) {
          return true;
        }
      }
    } catch (UnknownHostException | SocketException e) {
      return false;
    }
    return false;
  }
}
