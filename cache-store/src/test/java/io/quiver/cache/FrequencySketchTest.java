package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrequencySketchTest {

  @Test
  void countsUpToFifteenAndTellsHotFromCold() {
    FrequencySketch sketch = new FrequencySketch(1024);
    assertEquals(1024, sketch.width());
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
  void widthIsAPowerOfTwoOfAtLeastSixteen() {
    assertEquals(16, new FrequencySketch(1).width());
    assertEquals(2048, new FrequencySketch(1025).width());
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
}
