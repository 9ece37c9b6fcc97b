package io.quiver.client;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads the endpoints of a plan with at most {@code parallelism} threads, each taking the next
 * endpoint not yet read (an {@link EndpointStream}, so with fail-over between its locations) and
 * handing its batches over through a queue of at most {@code 2 × parallelism} batches: a consumer
 * that is slower than the network stops the readers instead of letting batches pile up in memory.
 *
 * <p>Ownership, order and errors as in {@link BatchStream}. The threads are this stream's own and
 * end with it.
 */
final class ParallelBatchStream implements BatchStream {
  /** Put by a reader thread when it has no endpoint left (or stops). */
  private static final Object END = new Object();

  private static final AtomicInteger STREAMS = new AtomicInteger();

  private final Schema schema;
  private final List<FlightEndpoint> endpoints;
  private final Function<FlightEndpoint, EndpointBatches> open;
  private final int readers;
  private final BlockingQueue<Object> queue;
  private final ExecutorService threads;

  /** The reader threads made so far: close() waits until each has ended, not just its task. */
  private final List<Thread> readerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final AtomicInteger nextEndpoint = new AtomicInteger();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final Set<EndpointBatches> active = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private int ended;
  private VectorSchemaRoot pending;

  /**
   * Starts reading.
   *
   * @param open opens one endpoint (with fail-over), transferring batches to the caller's allocator
   */
  ParallelBatchStream(
      Schema schema,
      List<FlightEndpoint> endpoints,
      int parallelism,
      Function<FlightEndpoint, EndpointBatches> open) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    this.schema = schema;
    this.endpoints = List.copyOf(endpoints);
    this.open = open;
    this.readers = Math.min(parallelism, this.endpoints.size());
    this.queue = new ArrayBlockingQueue<>(Math.max(1, 2 * readers));
    if (readers == 0) {
      this.threads = null;
      return;
    }
    int id = STREAMS.incrementAndGet();
    AtomicInteger thread = new AtomicInteger();
    this.threads =
        Executors.newFixedThreadPool(
            readers,
            r -> {
              Thread t = new Thread(r, "quiver-read-" + id + "-" + thread.incrementAndGet());
              t.setDaemon(true);
              readerThreads.add(t);
              return t;
            });
    for (int i = 0; i < readers; i++) {
      threads.execute(this::read);
    }
  }

  /** One reader thread: endpoint after endpoint until none is left, the scan fails or closes. */
  private void read() {
    try {
      int i;
      while (!closed
          && failure.get() == null
          && (i = nextEndpoint.getAndIncrement()) < endpoints.size()) {
        EndpointBatches stream = open.apply(endpoints.get(i));
        active.add(stream);
        try {
          // close() may have run between open and add: its cancel missed this stream.
          while (!closed && failure.get() == null && stream.hasNext()) {
            VectorSchemaRoot batch = stream.next();
            try {
              queue.put(batch);
            } catch (InterruptedException e) {
              batch.close();
              throw e;
            }
            if (closed) {
              // close() may have drained the queue already: this batch would be left behind.
              drain();
            }
          }
        } finally {
          active.remove(stream);
          stream.close();
        }
      }
    } catch (InterruptedException e) {
      // Nothing here interrupts the readers: someone else did, so stop the scan.
      fail(
          CallStatus.CANCELLED
              .withDescription("A reader thread was interrupted")
              .withCause(e)
              .toRuntimeException());
    } catch (RuntimeException e) {
      fail(e);
    } catch (Error e) {
      fail(
          CallStatus.INTERNAL
              .withDescription("A reader thread failed: " + e)
              .withCause(e)
              .toRuntimeException());
      throw e;
    } finally {
      // Every reader tells the consumer it is done, even when interrupted.
      boolean told = closed;
      while (!told) {
        try {
          queue.put(END);
          told = true;
        } catch (InterruptedException e) {
          told = closed;
        }
      }
    }
  }

  private void fail(RuntimeException e) {
    if (!closed && failure.compareAndSet(null, e)) {
      active.forEach(EndpointBatches::cancel);
    }
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public boolean hasNext() {
    if (pending != null) {
      return true;
    }
    if (closed) {
      return false;
    }
    while (true) {
      RuntimeException f = failure.get();
      if (f != null) {
        close();
        throw f;
      }
      if (ended == readers) {
        return false;
      }
      Object item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw CallStatus.CANCELLED
            .withDescription("Interrupted while waiting for a batch")
            .withCause(e)
            .toRuntimeException();
      }
      if (item == END) {
        ended++;
      } else {
        pending = (VectorSchemaRoot) item;
        return true;
      }
    }
  }

  @Override
  public VectorSchemaRoot next() {
    if (!hasNext()) {
      throw new NoSuchElementException("The scan has no more batches");
    }
    VectorSchemaRoot batch = pending;
    pending = null;
    return batch;
  }

  /**
   * Stops the readers without interrupting them (an interrupted thread cannot finish a Flight
   * stream's clean-up): their calls are cancelled, and the queue is drained until every reader has
   * noticed and ended, so none stays blocked handing over a batch.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (threads != null) {
      active.forEach(EndpointBatches::cancel);
      threads.shutdown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      boolean interrupted = false;
      try {
        while (!threads.awaitTermination(10, TimeUnit.MILLISECONDS)) {
          drain();
          if (System.nanoTime() > deadline) {
            throw CallStatus.INTERNAL
                .withDescription("Reader threads did not stop within 60 s of the scan's close")
                .toRuntimeException();
          }
        }
        // A terminated pool's threads may still be finishing their last frames: once close()
        // returns, no reader thread of this stream is alive.
        for (Thread t : readerThreads) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
      } catch (InterruptedException e) {
        interrupted = true;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (pending != null) {
      pending.close();
      pending = null;
    }
    drain();
  }

  private void drain() {
    for (Object item; (item = queue.poll()) != null; ) {
      if (item != END) {
        ((VectorSchemaRoot) item).close();
      }
    }
  }
}
