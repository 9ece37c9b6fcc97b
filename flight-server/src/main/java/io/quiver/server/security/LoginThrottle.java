package io.quiver.server.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Keeps password guessing from costing the node its CPU or a user their account's safety. A
 * password check is a bcrypt verification (tens to hundreds of milliseconds of CPU by design), so a
 * client sending wrong passwords in a loop could otherwise keep every core busy:
 *
 * <ul>
 *   <li>At most {@link #concurrentChecks()} checks run at a time (half the cores, at least one); a
 *       login that cannot start one within {@link #QUEUE_WAIT} is refused as "busy" without
 *       checking.
 *   <li>After {@link #FREE_FAILURES} consecutive failed logins for a user name, further logins for
 *       that name are refused without checking for a delay that doubles with each failure, from one
 *       second up to {@link #MAX_DELAY}. Names that do not exist are treated alike, so the refusal
 *       says nothing about which users exist. A success clears the count.
 * </ul>
 *
 * <p>State is bounded (the most recent {@value #MAX_NAMES} names) and forgotten after a quarter of
 * an hour without failures. Thread-safe.
 */
final class LoginThrottle {
  /** Failed logins per name that are checked normally before delays start. */
  static final int FREE_FAILURES = 5;

  /** The longest delay between checks for one name. */
  static final Duration MAX_DELAY = Duration.ofSeconds(30);

  /** How long a login waits for a free check before being refused as busy. */
  static final Duration QUEUE_WAIT = Duration.ofSeconds(5);

  private static final int MAX_NAMES = 100_000;

  private static final class Failures {
    @GuardedBy("this")
    int count;

    @GuardedBy("this")
    long blockedUntilNanos;
  }

  private final Ticker ticker;
  private final Cache<String, Failures> failures;
  private final Semaphore checks;
  private final int concurrentChecks;

  LoginThrottle() {
    this(Ticker.systemTicker(), Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
  }

  LoginThrottle(Ticker ticker, int concurrentChecks) {
    this.ticker = ticker;
    this.concurrentChecks = concurrentChecks;
    this.checks = new Semaphore(concurrentChecks, true);
    this.failures =
        Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(Duration.ofMinutes(15))
            .maximumSize(MAX_NAMES)
            .build();
  }

  int concurrentChecks() {
    return concurrentChecks;
  }

  /** How long logins for {@code name} are still refused without a check, if they are. */
  Optional<Duration> blocked(String name) {
    Failures f = failures.getIfPresent(name);
    if (f == null) {
      return Optional.empty();
    }
    synchronized (f) {
      long left = f.blockedUntilNanos - ticker.read();
      return left > 0 ? Optional.of(Duration.ofNanos(left)) : Optional.empty();
    }
  }

  /**
   * Takes one of the concurrent checks, waiting up to {@link #QUEUE_WAIT}; false if none came free
   * (then the caller must not check). A true return must be paired with {@link #endCheck}.
   */
  boolean beginCheck() throws InterruptedException {
    return checks.tryAcquire(QUEUE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
  }

  void endCheck() {
    checks.release();
  }

  /** Records the outcome of a check for {@code name}. */
  void record(String name, boolean succeeded) {
    if (succeeded) {
      failures.invalidate(name);
      return;
    }
    Failures f = failures.get(name, n -> new Failures());
    synchronized (f) {
      f.count++;
      if (f.count >= FREE_FAILURES) {
        int doublings = Math.min(30, f.count - FREE_FAILURES);
        long delay = Math.min(MAX_DELAY.toNanos(), TimeUnit.SECONDS.toNanos(1L << doublings));
        f.blockedUntilNanos = ticker.read() + delay;
      }
    }
    failures.put(name, f); // restarts the expiry
  }
}
