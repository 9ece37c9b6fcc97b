package io.quiver.server;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's shared, bounded pool of decode threads: what loads a stream's next unit ahead of it
 * ({@link UnitLoader#prefetch}) and a unit's column groups in parallel ({@link
 * UnitLoader#acquire}).
 *
 * <p>Work is {@linkplain #fork forked} as a {@link Task} that a pool thread runs when one is free;
 * whoever {@linkplain Task#join joins} a task that no thread has started yet runs it itself. So a
 * busy pool never makes a stream wait for a queue, the number of decode threads stays bounded
 * whatever the number of streams, and no task ever waits for a task nobody runs (no deadlock, even
 * for tasks that fork tasks). After {@link #close()}, forked tasks run on the thread that joins
 * them.
 *
 * <p>Thread-safe.
 */
final class DecodePool implements AutoCloseable {
  private final int threads;
  private final ThreadPoolExecutor executor;

  /** A pool of {@code threads} daemon threads named {@code quiver-decode-N}, started on demand. */
  DecodePool(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("decode threads must be >= 1");
    }
    this.threads = threads;
    AtomicInteger next = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "quiver-decode-" + next.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.executor =
        new ThreadPoolExecutor(
            threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    executor.allowCoreThreadTimeOut(true);
  }

  /** The number of decode threads. */
  int threads() {
    return threads;
  }

  /** Queues {@code work} for a pool thread; see {@link Task} for how it ends. */
  <T> Task<T> fork(Callable<T> work) {
    Task<T> task = new Task<>(work);
    try {
      executor.execute(task);
    } catch (RejectedExecutionException closed) {
      // The pool is shut down: the joining thread runs the task.
    }
    return task;
  }

  /** Stops the threads once the queued tasks are done (tasks forked later run when joined). */
  @Override
  public void close() throws InterruptedException {
    executor.shutdown();
    executor.awaitTermination(30, TimeUnit.SECONDS);
  }

  /**
   * One piece of forked work. It runs exactly once, on a pool thread or on the thread that joins
   * it, or never if {@link #cancelOrJoin} comes first: so a result that holds resources (cache
   * references) always reaches someone who releases it.
   *
   * <p>Thread-safe; join or cancel it from one thread.
   */
  static final class Task<T> implements Runnable {
    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int CANCELLED = 2;

    private final Callable<T> work;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private Task(Callable<T> work) {
      this.work = work;
    }

    @Override
    public void run() {
      if (!state.compareAndSet(NEW, STARTED)) {
        return; // taken by the joining thread, or cancelled
      }
      try {
        result.complete(work.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }

    /**
     * The work's result: runs it here if no pool thread has started it, else waits for it
     * (uninterruptibly: the work holds what only its result can release).
     *
     * @throws IOException the work's {@link IOException}, or another checked exception wrapped
     */
    T join() throws IOException {
      run();
      try {
        return result.join();
      } catch (CompletionException e) {
        throw rethrow(e.getCause());
      }
    }

    /**
     * Cancels the work if it has not started, returning null; else waits for it and returns its
     * result (the caller owns it), like {@link #join}.
     */
    T cancelOrJoin() throws IOException {
      if (state.compareAndSet(NEW, CANCELLED)) {
        return null;
      }
      return join();
    }

    /** Throws {@code t} as what it is: an IOException, unchecked, or an Error; wraps the rest. */
    static IOException rethrow(Throwable t) throws IOException {
      if (t instanceof IOException e) {
        throw e;
      }
      if (t instanceof RuntimeException e) {
        throw e;
      }
      if (t instanceof Error e) {
        throw e;
      }
      throw new IOException(t);
    }
  }
}
