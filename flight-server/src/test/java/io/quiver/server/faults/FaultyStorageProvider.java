package io.quiver.server.faults;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.StorageProvider;
import io.quiver.storage.StorageUnavailableException;
import io.quiver.storage.VersionChangedException;
import io.quiver.storage.local.LocalStorage;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Test scope: {@code faulty:///path} is the local path {@code /path} behind injected faults —
 * failed reads at a rate, latency, truncated objects, a version change in the middle of a read, and
 * a gate that holds reads until released. The faults are this class's static {@link #plan}, which
 * tests set and reset; found by the node through ServiceLoader like any store.
 */
public final class FaultyStorageProvider implements StorageProvider {

  /** What to inject; fields are read on every call. */
  public static final class Plan {
    /** Probability in [0, 1] that a positional read fails (UNAVAILABLE-like). */
    public volatile double readFailureRate;

    /** Added to every positional read. */
    public volatile long latencyMillis;

    /** Reads beyond this many bytes of an object fail as if it were cut short (-1: never). */
    public volatile long truncateAfter = -1;

    /** After this many successful reads, reads report the object changed (-1: never). */
    public volatile long versionChangeAfter = -1;

    /** While non-null, reads wait on it (to hold a scan in flight). */
    public volatile CountDownLatch gate;

    /** Reads that waited at the gate. */
    public final AtomicLong gated = new AtomicLong();

    final AtomicLong reads = new AtomicLong();
    final Random random = new Random(42);

    public void reset() {
      readFailureRate = 0;
      latencyMillis = 0;
      truncateAfter = -1;
      versionChangeAfter = -1;
      gate = null;
      reads.set(0);
      gated.set(0);
    }
  }

  public static final Plan plan = new Plan();

  @Override
  public String scheme() {
    return "faulty";
  }

  @Override
  public Storage create(Map<String, String> options) {
    if (!options.isEmpty()) {
      throw new IllegalArgumentException("faulty:// takes no options");
    }
    return new Faulty(new LocalStorage());
  }

  private static Location local(Location faulty) {
    return Location.of("file://" + faulty.path());
  }

  private static Location faulty(Location local) {
    return Location.of("faulty://" + local.path());
  }

  private static FileEntry toFaulty(FileEntry e) {
    return new FileEntry(faulty(e.location()), e.length(), e.version());
  }

  private static final class Faulty implements Storage {
    private final LocalStorage local;

    Faulty(LocalStorage local) {
      this.local = local;
    }

    @Override
    public Stream<FileEntry> list(Location prefix) throws IOException {
      return local.list(local(prefix)).map(FaultyStorageProvider::toFaulty);
    }

    @Override
    public FileEntry stat(Location location) throws IOException {
      return toFaulty(local.stat(local(location)));
    }

    @Override
    public boolean exists(Location location) throws IOException {
      return local.exists(local(location));
    }

    @Override
    public StorageInput open(FileEntry entry) throws IOException {
      StorageInput in =
          local.open(new FileEntry(local(entry.location()), entry.length(), entry.version()));
      return new StorageInput() {
        @Override
        public FileEntry entry() {
          return entry;
        }

        @Override
        public void readFully(long position, byte[] buffer, int offset, int length)
            throws IOException {
          StorageInput.checkRange(entry, position, buffer, offset, length);
          CountDownLatch gate = plan.gate;
          if (gate != null) {
            plan.gated.incrementAndGet();
            try {
              gate.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new java.io.InterruptedIOException("interrupted at the gate");
            }
          }
          if (plan.latencyMillis > 0) {
            try {
              Thread.sleep(plan.latencyMillis);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new java.io.InterruptedIOException("interrupted");
            }
          }
          double rate = plan.readFailureRate;
          if (rate > 0) {
            boolean fail;
            synchronized (plan.random) {
              fail = plan.random.nextDouble() < rate;
            }
            if (fail) {
              throw new StorageUnavailableException(
                  "injected fault: the store did not answer reading " + entry.location(), null);
            }
          }
          long cut = plan.truncateAfter;
          if (cut >= 0 && position + length > cut) {
            throw new EOFException(
                "injected fault: " + entry.location() + " ends at " + cut + " bytes");
          }
          long changeAfter = plan.versionChangeAfter;
          if (changeAfter >= 0 && plan.reads.get() >= changeAfter) {
            throw new VersionChangedException(
                entry.location(), entry.version(), new ObjectVersion("injected-new-version"));
          }
          in.readFully(position, buffer, offset, length);
          plan.reads.incrementAndGet();
        }

        @Override
        public void close() throws IOException {
          in.close();
        }
      };
    }

    @Override
    public void write(Location location, byte[] contents) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public void delete(Location location) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public void close() {}
  }
}
