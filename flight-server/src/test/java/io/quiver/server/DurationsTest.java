package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesWhatPeopleWrite() {
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
    assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
    assertEquals(Duration.ofHours(2), Durations.parse(" 2h "));
    assertEquals(Duration.ofDays(1), Durations.parse("1d"));
    assertEquals(Duration.ofMinutes(10), Durations.parse("PT10M"));
    assertEquals(Duration.ofMinutes(10), Durations.parse("pt10m"));
  }

  @Test
  void refusesNonsense() {
    for (String bad : new String[] {"soon", "10", "-5m", "0s", "PT0S", "5 weeks"}) {
      assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
    }
  }
}
