package io.quiver.bench.cache;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws ranks {@code 0 .. n-1} with probability proportional to {@code 1 / (rank + 1)^skew}.
 *
 * <p>Inverts a precomputed cumulative distribution by binary search: exact, deterministic for a
 * given random source, and cheap for the universes the simulator uses (a few hundred thousand
 * ranks, one {@code double} each). Not thread-safe only in that the random source is not.
 */
final class ZipfSampler {
  private final double[] cumulative;

  ZipfSampler(int n, double skew) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be > 0: " + n);
    }
    if (skew < 0) {
      throw new IllegalArgumentException("skew must be >= 0: " + skew);
    }
    cumulative = new double[n];
    double sum = 0;
    for (int rank = 0; rank < n; rank++) {
      sum += 1.0 / Math.pow(rank + 1, skew);
      cumulative[rank] = sum;
    }
    for (int rank = 0; rank < n; rank++) {
      cumulative[rank] /= sum;
    }
  }

  /** The next rank, {@code 0} being the most popular. */
  int next(SplittableRandom random) {
    double u = random.nextDouble();
    int i = Arrays.binarySearch(cumulative, u);
    // binarySearch gives -(insertion point) - 1 when u is not present: the first rank whose
    // cumulative probability exceeds u, which is the inverse CDF.
    int rank = i >= 0 ? i : -i - 1;
    return Math.min(rank, cumulative.length - 1);
  }
}
