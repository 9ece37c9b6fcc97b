package io.quiver.cache;

/**
 * A source of monotonic nanoseconds for pin and entry expiry; injected so that tests can advance
 * time without waiting.
 *
 * <p>Implementations must be thread-safe and cheap: the cache reads them under its lock.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Nanoseconds from an arbitrary origin, comparable only with each other (like {@link
   * System#nanoTime()}).
   */
  long nanos();

  /** The system ticker, {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
