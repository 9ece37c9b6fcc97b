package io.quiver.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of scan planning and filtering since the node started: how many units (row groups,
 * stripes) plans considered and how many statistics pruned, and how many rows exact filters removed
 * at send time. Thread-safe.
 */
public final class ScanMetrics {
  private final LongAdder scans = new LongAdder();
  private final LongAdder units = new LongAdder();
  private final LongAdder unitsPruned = new LongAdder();
  private final LongAdder rowsFilteredOut = new LongAdder();
  private final LongAdder rowsSent = new LongAdder();
  private final LongAdder rowsMapped = new LongAdder();
  private final LongAdder leasesOpen = new LongAdder();

  void planned(int consideredUnits, int prunedUnits) {
    scans.increment();
    units.add(consideredUnits);
    unitsPruned.add(prunedUnits);
  }

  void filtered(long removed) {
    rowsFilteredOut.add(removed);
  }

  void sent(long rows) {
    rowsSent.add(rows);
  }

  /** Rows a client on this host read by mapping shared memory (also counted as sent). */
  void mapped(long rows) {
    rowsSent.add(rows);
    rowsMapped.add(rows);
  }

  void leaseOpened() {
    leasesOpen.increment();
  }

  void leaseEnded() {
    leasesOpen.decrement();
  }

  /** Short-circuit leases open now (each holds a unit's chunks). */
  public long leasesOpen() {
    return leasesOpen.sum();
  }

  /** Rows of {@link #rowsSent()} that clients mapped from shared memory (short-circuit reads). */
  public long rowsMapped() {
    return rowsMapped.sum();
  }

  /** Scans planned (GetFlightInfo). */
  public long scans() {
    return scans.sum();
  }

  /** Units the plans considered. */
  public long units() {
    return units.sum();
  }

  /** Units left out of plans because statistics proved no row could match. */
  public long unitsPruned() {
    return unitsPruned.sum();
  }

  /** Rows that exact filters removed while streaming. */
  public long rowsFilteredOut() {
    return rowsFilteredOut.sum();
  }

  /** Rows streamed to clients. */
  public long rowsSent() {
    return rowsSent.sum();
  }
}
