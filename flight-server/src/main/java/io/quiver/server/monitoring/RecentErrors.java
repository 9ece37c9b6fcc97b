package io.quiver.server.monitoring;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * The last errors the node returned to Flight clients, for the status page: a ring of at most
 * {@link #capacity()} entries, the oldest dropped first. Each entry holds what the client was told
 * (method, status, Quiver error code, message: already free of secrets and stack traces, see {@link
 * io.quiver.server.FlightErrors}), the message cut to {@value #MAX_MESSAGE} characters.
 *
 * <p>Thread-safe; memory is bounded by the capacity whatever the error rate.
 */
public final class RecentErrors {
  /** Longest message kept; longer ones are cut and end with an ellipsis. */
  public static final int MAX_MESSAGE = 500;

  /**
   * One error returned to a client.
   *
   * @param time when the call ended
   * @param method the Flight method ({@code DoGet}, {@code GetFlightInfo}, ...)
   * @param status the Flight status code ({@code NOT_FOUND}, ...)
   * @param code Quiver's error code as on the wire ({@code not-found}), or null when unknown (none
   *     was sent, or the call failed after its first response: Flight shows middleware only the
   *     status then)
   * @param message the status's description as the client saw it (may be empty)
   */
  public record Entry(Instant time, String method, String status, String code, String message) {
    public Entry {
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(status, "status");
      message = cut(message == null ? "" : message);
    }
  }

  private final int capacity;

  @GuardedBy("this")
  private final Deque<Entry> entries = new ArrayDeque<>();

  @GuardedBy("this")
  private long total;

  /** A ring of at most {@code capacity} entries. */
  public RecentErrors(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
  }

  public int capacity() {
    return capacity;
  }

  /** Keeps {@code e}, dropping the oldest entry when full. */
  public synchronized void add(Entry e) {
    Objects.requireNonNull(e, "entry");
    if (entries.size() == capacity) {
      entries.removeLast();
    }
    entries.addFirst(e);
    total++;
  }

  /** The entries kept, newest first. */
  public synchronized List<Entry> newestFirst() {
    return new ArrayList<>(entries);
  }

  /** Errors seen since start, including those no longer kept. */
  public synchronized long total() {
    return total;
  }

  private static String cut(String s) {
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE - 1) + "…";
  }
}
