package io.quiver.server;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Extra copies asked for by pins ({@code quiver cache pin TABLE --replicas N}) in a cluster: the
 * files a pin covered when it was made, how many extra owners their units get, until when. Each
 * node keeps its own (the CLI pins on every node, so every node plans the same owners).
 *
 * <p>Thread-safe.
 */
final class PinnedReplicas {
  private record Pin(Set<String> files, int replicas, long expiresNanos) {
    boolean live(long now) {
      return expiresNanos == Long.MAX_VALUE || now - expiresNanos < 0;
    }
  }

  private final Map<String, Pin> pins = new ConcurrentHashMap<>();

  /** Records pin {@code name} (replacing one of that name); {@code ttl} null for ever. */
  void put(String name, Set<String> files, int replicas, Duration ttl) {
    long expires = ttl == null ? Long.MAX_VALUE : System.nanoTime() + ttl.toNanos();
    pins.put(name, new Pin(Set.copyOf(files), replicas, expires));
  }

  /** Forgets pin {@code name}, if it asked for replicas. */
  void remove(String name) {
    pins.remove(name);
  }

  /** The extra copies the live pins ask for the units of {@code file}: their largest, or 0. */
  int replicas(String file) {
    if (pins.isEmpty()) {
      return 0;
    }
    long now = System.nanoTime();
    int most = 0;
    for (Map.Entry<String, Pin> e : pins.entrySet()) {
      Pin p = e.getValue();
      if (!p.live(now)) {
        pins.remove(e.getKey(), p);
      } else if (p.replicas() > most && p.files().contains(file)) {
        most = p.replicas();
      }
    }
    return most;
  }
}
