package io.quiver.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Delays after repeated failed logins, and the bound on concurrent password checks. */
class LoginThrottleTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Ticker ticker = now::get;

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void delaysStartAfterFiveFailuresDoubleAndAreCapped() {
    LoginThrottle t = new LoginThrottle(ticker, 1);
    for (int i = 0; i < LoginThrottle.FREE_FAILURES - 1; i++) {
      t.record("bob", false);
      assertEquals(Optional.empty(), t.blocked("bob"), "failure " + (i + 1) + " is free");
    }
    t.record("bob", false);
    assertEquals(Optional.of(Duration.ofSeconds(1)), t.blocked("bob"));
    advance(Duration.ofSeconds(1));
    assertEquals(Optional.empty(), t.blocked("bob"), "the delay has passed");
    t.record("bob", false);
    assertEquals(Optional.of(Duration.ofSeconds(2)), t.blocked("bob"));
    for (int i = 0; i < 10; i++) {
      t.record("bob", false);
    }
    assertEquals(Optional.of(LoginThrottle.MAX_DELAY), t.blocked("bob"));
    // Other names, existing or not, are not affected.
    assertEquals(Optional.empty(), t.blocked("ann"));
    // A success (after the delay) clears the count.
    advance(LoginThrottle.MAX_DELAY);
    t.record("bob", true);
    t.record("bob", false);
    assertEquals(Optional.empty(), t.blocked("bob"));
  }

  @Test
  void failuresAreForgottenAfterAQuarterHour() {
    LoginThrottle t = new LoginThrottle(ticker, 1);
    for (int i = 0; i < LoginThrottle.FREE_FAILURES - 1; i++) {
      t.record("bob", false);
    }
    advance(Duration.ofMinutes(16));
    t.record("bob", false);
    assertEquals(Optional.empty(), t.blocked("bob"), "the old failures no longer count");
  }

  @Test
  void concurrentChecksAreBounded() throws Exception {
    LoginThrottle t = new LoginThrottle(ticker, 2);
    assertTrue(t.beginCheck());
    assertTrue(t.beginCheck());
    Thread.currentThread().interrupt(); // a third would wait: an interrupt ends the wait at once
    try {
      t.beginCheck();
      throw new AssertionError("a third concurrent check started");
    } catch (InterruptedException expected) {
      // refused
    }
    t.endCheck();
    assertTrue(t.beginCheck(), "a freed check can be taken again");
    t.endCheck();
    t.endCheck();
    assertFalse(Thread.interrupted());
  }
}
