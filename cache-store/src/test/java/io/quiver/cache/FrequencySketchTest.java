package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrequencySketchTest {

  @Test
  void countsUpToFifteenAndTellsHotFromCold() {
    FrequencySketch sketch = new FrequencySketch(1024);
    assertEquals(4096, sketch.width());
    for (int i = 0; i < 7; i++) {
      sketch.increment(42);
    }
    sketch.increment(43);
    assertEquals(7, sketch.frequency(42));
    assertEquals(1, sketch.frequency(43));
    assertEquals(0, sketch.frequency(44));
    for (int i = 0; i < 100; i++) {
      sketch.increment(42);
    }
    assertEquals(15, sketch.frequency(42), "4-bit counters saturate");
  }

  @Test
  void widthIsFourCountersPerExpectedEntryRoundedUpToAPowerOfTwo() {
    assertEquals(64, new FrequencySketch(1).width(), "at least 16 entries are assumed");
    assertEquals(4096, new FrequencySketch(1024).width());
    assertEquals(8192, new FrequencySketch(1025).width());
    assertEquals(1024, new FrequencySketch(1024).capacity());
    assertEquals(10 * 1025, new FrequencySketch(1025).samplePeriod());
  }

  @Test
  void ensureCapacityFollowsTheEntryCountAndNeverShrinks() {
    FrequencySketch sketch = new FrequencySketch(16);
    for (int i = 0; i < 5; i++) {
      sketch.increment(42);
    }
    // Within the width: counts stay, the sample period grows to ten requests per entry.
    sketch.ensureCapacity(12);
    assertEquals(64, sketch.width());
    assertEquals(160, sketch.samplePeriod());
    sketch.ensureCapacity(16);
    assertEquals(5, sketch.frequency(42));
    // Past the width: reallocated for the new count, counts start over.
    sketch.ensureCapacity(100);
    assertEquals(512, sketch.width());
    assertEquals(1000, sketch.samplePeriod());
    assertEquals(0, sketch.frequency(42));
    sketch.increment(42);
    sketch.ensureCapacity(120);
    assertEquals(512, sketch.width());
    assertEquals(1200, sketch.samplePeriod(), "more entries within the width: a longer period");
    assertEquals(1, sketch.frequency(42));
    // Fewer entries later: neither the width nor the period shrinks.
    sketch.ensureCapacity(3);
    assertEquals(512, sketch.width());
    assertEquals(1200, sketch.samplePeriod());
  }

  @Test
  void agingHalvesEveryCounterAfterTheSamplePeriod() {
    FrequencySketch sketch = new FrequencySketch(16);
    assertEquals(160, sketch.samplePeriod());
    for (int i = 0; i < 12; i++) {
      sketch.increment(7);
    }
    sketch.age();
    assertEquals(6, sketch.frequency(7));

    // Fill the sample period with other keys: the old favourite fades.
    FrequencySketch aging = new FrequencySketch(16);
    for (int i = 0; i < 15; i++) {
      aging.increment(7);
    }
    int before = aging.frequency(7);
    for (int i = 0; aging.frequency(7) == before && i < 10 * aging.samplePeriod(); i++) {
      aging.increment(1000 + i);
    }
    assertTrue(aging.frequency(7) < before, "aging must lower old counts");
  }

  @Test
  void manyDistinctKeysRarelyLookHot() {
    FrequencySketch sketch = new FrequencySketch(1024);
    for (int key = 0; key < 500; key++) {
      sketch.increment(Integer.hashCode(key) * 31 + 17);
    }
    int hot = 0;
    for (int key = 0; key < 500; key++) {
      if (sketch.frequency(Integer.hashCode(key) * 31 + 17) > 2) {
        hot++;
      }
    }
    assertTrue(hot < 10, hot + " one-off keys look hot");
  }

  @Test
  void restoreRaisesAnEstimateWithoutCountingTowardsAging() {
    FrequencySketch sketch = new FrequencySketch(16);
    sketch.restore(42, 9);
    assertEquals(9, sketch.frequency(42));
    sketch.restore(42, 3);
    assertEquals(9, sketch.frequency(42), "restore never lowers a counter");
    sketch.restore(43, 40);
    assertEquals(15, sketch.frequency(43), "capped at 15");
    // More restores than the sample period (160): were they counted, 42 would have been halved.
    // (Restoring 1 elsewhere cannot raise 42's estimate: its counters are all at 9 already.)
    for (int i = 0; i < 400; i++) {
      sketch.restore(5000 + i, 1);
    }
    assertEquals(9, sketch.frequency(42));
    sketch.age();
    assertEquals(4, sketch.frequency(42));
  }
}
