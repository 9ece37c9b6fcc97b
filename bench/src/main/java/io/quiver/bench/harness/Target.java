package io.quiver.bench.harness;

/**
 * One of the speed targets evaluated on a run's medians.
 *
 * @param name what is compared, e.g. "warm full scan ≥ 0.85× speed of light"
 * @param value the measured ratio (NaN when an input is missing)
 * @param threshold the bound
 * @param atLeast true when {@code value} must be ≥ (or, with {@code strict}, >) the threshold,
 *     false when it must be ≤
 * @param status {@code met}, {@code missed} or {@code n/a} (an input contender did not run)
 * @param detail how the value was computed
 */
public record Target(
    String name, double value, double threshold, boolean atLeast, String status, String detail) {

  static Target of(String name, double value, double threshold, boolean atLeast, String detail) {
    return of(name, value, threshold, atLeast, false, detail);
  }

  static Target of(
      String name, double value, double threshold, boolean atLeast, boolean strict, String detail) {
    String status;
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      status = "n/a";
    } else if (atLeast) {
      status = (strict ? value > threshold : value >= threshold) ? "met" : "missed";
    } else {
      status = (strict ? value < threshold : value <= threshold) ? "met" : "missed";
    }
    return new Target(name, value, threshold, atLeast, status, detail);
  }
}
