package io.quiver.bench.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.apache.arrow.memory.util.MemoryUtil;

/**
 * What the machine itself can move, as the ceiling of the Flight contenders' MB/s: the same number
 * of bytes as a warm full scan, sent over plain loopback TCP sockets (one or more connections, no
 * framing, no protocol) and copied with {@code memcpy} in one thread.
 *
 * <p>Both read from a source region and write to destination regions larger than the last-level
 * cache ({@link #REGION_BYTES}, cycled), so that neither is flattered by cached memory; the
 * receivers touch every byte the way a Flight client's buffers do. Everything is off-heap, in an
 * allocator of its own closed before a method returns. Stateless; thread-safe.
 */
public final class WireCeiling {
  /** Bytes of each source and destination region (cycled): beyond this machine's 105 MiB L3. */
  static final long REGION_BYTES = 256L << 20;

  /** Bytes per socket write and read, and per copy. */
  private static final int CHUNK = 1 << 20;

  /**
   * One measurement.
   *
   * @param bytes bytes moved (all connections together)
   * @param nanos wall time from the first byte sent to the last received
   */
  public record Rate(long bytes, long nanos) {
    /** Megabytes (10^6 bytes) per second. */
    public double mbPerSecond() {
      return bytes / 1e6 / (nanos / 1e9);
    }
  }

  private WireCeiling() {}

  /** Copies {@code bytes} bytes in {@link #CHUNK} pieces from one region to another, one thread. */
  public static Rate memcpy(long bytes) {
    long region = regionFor(bytes);
    try (BufferAllocator allocator = allocator();
        ArrowBuf source = allocator.buffer(region);
        ArrowBuf target = allocator.buffer(region)) {
      fill(source);
      target.setZero(0, region); // fault the pages in outside the timed part
      long start = System.nanoTime();
      long done = 0;
      while (done < bytes) {
        long n = Math.min(CHUNK, bytes - done);
        long at = done % (region - CHUNK + 1);
        MemoryUtil.copyMemory(source.memoryAddress() + at, target.memoryAddress() + at, n);
        done += n;
      }
      return new Rate(bytes, System.nanoTime() - start);
    }
  }

  /**
   * Sends {@code bytes} bytes (split evenly) over {@code connections} loopback TCP connections at
   * once, each with a sender and a receiver thread in this JVM, and times them until every receiver
   * has read its share.
   *
   * @throws IOException if a socket fails or a receiver gets a different number of bytes
   */
  public static Rate loopbackTcp(long bytes, int connections) throws IOException {
    if (connections < 1) {
      throw new IllegalArgumentException("connections must be at least 1");
    }
    long region = regionFor(bytes);
    ExecutorService threads = Executors.newFixedThreadPool(2 * connections);
    List<SocketChannel> sockets = new ArrayList<>();
    try (BufferAllocator allocator = allocator();
        ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      List<ArrowBuf> buffers = new ArrayList<>();
      try {
        ArrowBuf source = allocator.buffer(region);
        buffers.add(source);
        fill(source);
        List<SocketChannel[]> pairs = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
          ArrowBuf target = allocator.buffer(region);
          target.setZero(0, region);
          buffers.add(target);
          SocketChannel out = SocketChannel.open(server.getLocalAddress());
          SocketChannel in = server.accept();
          sockets.add(out);
          sockets.add(in);
          pairs.add(new SocketChannel[] {out, in});
        }
        long start = System.nanoTime();
        List<Future<Long>> received = new ArrayList<>();
        List<Future<Long>> sent = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
          long share = bytes / connections + (i < bytes % connections ? 1 : 0);
          SocketChannel out = pairs.get(i)[0];
          SocketChannel in = pairs.get(i)[1];
          ArrowBuf target = buffers.get(i + 1);
          sent.add(threads.submit(() -> send(out, source, share)));
          received.add(threads.submit(() -> receive(in, target)));
        }
        long total = 0;
        for (int i = 0; i < connections; i++) {
          long got = get(received.get(i));
          long put = get(sent.get(i));
          if (got != put) {
            throw new IOException("loopback TCP: sent " + put + " bytes, received " + got);
          }
          total += got;
        }
        long nanos = System.nanoTime() - start;
        return new Rate(total, nanos);
      } finally {
        // Stop every thread before its memory goes: close the sockets, then wait.
        for (SocketChannel s : sockets) {
          s.close();
        }
        threads.shutdownNow();
        try {
          threads.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        buffers.forEach(ArrowBuf::close);
      }
    }
  }

  private static long send(SocketChannel out, ArrowBuf source, long bytes) throws IOException {
    long region = source.capacity();
    long done = 0;
    while (done < bytes) {
      int n = (int) Math.min(CHUNK, bytes - done);
      long at = done % (region - CHUNK + 1);
      ByteBuffer view = source.nioBuffer(at, n);
      while (view.hasRemaining()) {
        out.write(view);
      }
      done += n;
    }
    out.shutdownOutput();
    return done;
  }

  private static long receive(SocketChannel in, ArrowBuf target) throws IOException {
    long region = target.capacity();
    long done = 0;
    while (true) {
      long at = done % (region - CHUNK + 1);
      int n = in.read(target.nioBuffer(at, CHUNK));
      if (n < 0) {
        return done;
      }
      done += n;
    }
  }

  private static long get(Future<Long> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("loopback TCP failed: " + e.getCause(), e.getCause());
    }
  }

  private static long regionFor(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("bytes must be positive");
    }
    return Math.max(2L * CHUNK, Math.min(REGION_BYTES, bytes + CHUNK));
  }

  private static BufferAllocator allocator() {
    return new RootAllocator(
        RootAllocator.configBuilder()
            .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
            .maxAllocation(Long.MAX_VALUE)
            .build());
  }

  /** Non-zero bytes in every page, so that no page is shared zero memory. */
  private static void fill(ArrowBuf buf) {
    for (long i = 0; i < buf.capacity(); i += 4096) {
      buf.setByte(i, (int) (i >>> 12) | 1);
    }
  }
}
