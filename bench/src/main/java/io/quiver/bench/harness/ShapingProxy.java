package io.quiver.bench.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP proxy that makes a local S3 server look like a remote object store: every response
 * starts no earlier than {@code firstByteLatencyNanos} after the request that asked for it, and
 * each connection delivers at most {@code bytesPerSecond} downstream.
 *
 * <p>A "request" is client bytes arriving while no response is pending: the next upstream byte is
 * then held back until the latency has passed since those request bytes arrived. That models
 * HTTP/1.1 request/response exchanges on keep-alive connections (what S3 clients speak) without
 * parsing HTTP. The bandwidth cap paces the downstream direction so that, from the first byte of a
 * response on, the bytes sent never run ahead of {@code bytesPerSecond}.
 *
 * <p>Two threads per connection (blocking I/O): enough for the benchmark's tens of connections.
 * Thread-safe; {@link #close()} closes the listening socket and every open connection.
 */
public final class ShapingProxy implements AutoCloseable {
  private static final int CHUNK = 16 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final long firstByteLatencyNanos;
  private final long bytesPerSecond;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  /**
   * Starts listening on a free port of 127.0.0.1.
   *
   * @param firstByteLatencyNanos delay of each response's first byte, 0 for none
   * @param bytesPerSecond per-connection downstream cap, 0 for none
   */
  public ShapingProxy(InetSocketAddress upstream, long firstByteLatencyNanos, long bytesPerSecond)
      throws IOException {
    if (firstByteLatencyNanos < 0 || bytesPerSecond < 0) {
      throw new IllegalArgumentException("latency and bandwidth must be >= 0");
    }
    this.upstream = upstream;
    this.firstByteLatencyNanos = firstByteLatencyNanos;
    this.bytesPerSecond = bytesPerSecond;
    this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "shaping-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        Socket up = new Socket();
        up.connect(upstream, 5_000);
        client.setTcpNoDelay(true);
        up.setTcpNoDelay(true);
        open.add(client);
        open.add(up);
        Connection c = new Connection(client, up);
        start("shaping-proxy-up", c::pumpRequests);
        start("shaping-proxy-down", c::pumpResponses);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private static void start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  /** One proxied connection: request bytes go up as they come, responses come down shaped. */
  private final class Connection {
    private final Socket client;
    private final Socket up;
    private final Object lock = new Object();
    private long requestAtNanos;
    private boolean responsePending;

    Connection(Socket client, Socket up) {
      this.client = client;
      this.up = up;
    }

    void pumpRequests() {
      byte[] buf = new byte[CHUNK];
      try (InputStream in = client.getInputStream();
          OutputStream out = up.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (lock) {
            if (!responsePending) {
              requestAtNanos = System.nanoTime();
              responsePending = true;
            }
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // a side closed: fall through and close both
      } finally {
        closeBoth();
      }
    }

    void pumpResponses() {
      byte[] buf = new byte[CHUNK];
      try (InputStream in = up.getInputStream();
          OutputStream out = client.getOutputStream()) {
        long paceStart = 0;
        long paced = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
          long now = System.nanoTime();
          boolean first;
          long requestAt;
          synchronized (lock) {
            first = responsePending;
            requestAt = requestAtNanos;
            responsePending = false;
          }
          if (first) {
            sleepUntil(requestAt + firstByteLatencyNanos);
            paceStart = System.nanoTime();
            paced = 0;
          } else if (now - paceStart > TimeUnit.SECONDS.toNanos(1) && bytesPerSecond > 0) {
            // An idle gap earns no burst credit beyond one second's worth.
            long due = paceStart + paced * 1_000_000_000L / bytesPerSecond;
            if (now - due > TimeUnit.SECONDS.toNanos(1)) {
              paceStart = now;
              paced = 0;
            }
          }
          if (bytesPerSecond > 0) {
            // Send in pieces so the cap holds within a chunk too.
            int off = 0;
            while (off < n) {
              int piece = Math.min(n - off, 4096);
              paced += piece;
              sleepUntil(paceStart + paced * 1_000_000_000L / bytesPerSecond);
              out.write(buf, off, piece);
              off += piece;
            }
          } else {
            out.write(buf, 0, n);
          }
          out.flush();
        }
      } catch (IOException e) {
        // a side closed
      } finally {
        closeBoth();
      }
    }

    private void closeBoth() {
      closeQuietly(client);
      closeQuietly(up);
      open.remove(client);
      open.remove(up);
    }
  }

  private static void sleepUntil(long deadlineNanos) {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing: nothing left to do with it
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    try {
      server.close();
    } catch (SocketException ignored) {
      // already closed
    }
    open.forEach(ShapingProxy::closeQuietly);
    open.clear();
  }
}
