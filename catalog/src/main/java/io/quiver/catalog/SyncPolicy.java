package io.quiver.catalog;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fresh a mount's listings are kept (mount option {@code sync}): {@code always} lists the store
 * for every plan; {@code interval=30s} (the default) reuses a listing for that long, so a warm plan
 * makes no store call and a new file appears within the interval; {@code never} keeps listings
 * until {@code quiver refresh} (or until a read finds a file changed or gone, which drops the
 * listings holding it). Reads verify every file's version whatever the policy: a changed file is
 * never served stale. Immutable.
 *
 * @param interval how long a listing is reused; {@link Duration#ZERO} for always, null for never
 */
public record SyncPolicy(Duration interval) {
  /** The mount option naming the policy. */
  public static final String OPTION = "sync";

  public static final SyncPolicy ALWAYS = new SyncPolicy(Duration.ZERO);
  public static final SyncPolicy NEVER = new SyncPolicy(null);
  public static final SyncPolicy DEFAULT = new SyncPolicy(Duration.ofSeconds(30));

  private static final Pattern DURATION =
      Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);

  public SyncPolicy {
    if (interval != null && interval.isNegative()) {
      throw new IllegalArgumentException("Negative sync interval " + interval);
    }
  }

  /**
   * The policy a mount option value names: {@code always}, {@code never}, {@code interval=30s} or
   * just {@code 30s} (units ms, s, m, h, d); null or blank is the {@linkplain #DEFAULT default}.
   *
   * @throws InvalidMountException naming the value and what is allowed
   */
  public static SyncPolicy parse(String value) {
    if (value == null || value.isBlank()) {
      return DEFAULT;
    }
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("always")) {
      return ALWAYS;
    }
    if (v.equals("never")) {
      return NEVER;
    }
    if (v.startsWith("interval=")) {
      v = v.substring("interval=".length()).strip();
    }
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new InvalidMountException(
          "Invalid option "
              + OPTION
              + "="
              + value
              + ": use always, never or interval=<duration> (e.g. interval=30s; units ms, s, m, h,"
              + " d)");
    }
    long n = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
    return d.isZero() ? ALWAYS : new SyncPolicy(d);
  }

  /** Whether listings are never reused. */
  public boolean always() {
    return interval != null && interval.isZero();
  }

  /** Whether a listing made {@code ageNanos} ago may still be used. */
  boolean fresh(long ageNanos) {
    return interval == null || ageNanos < interval.toNanos();
  }

  @Override
  public String toString() {
    if (interval == null) {
      return "never";
    }
    if (interval.isZero()) {
      return "always";
    }
    return "interval=" + describe(interval);
  }

  private static String describe(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }
}
