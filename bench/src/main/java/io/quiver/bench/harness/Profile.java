package io.quiver.bench.harness;

/** How the object store is reached: directly on loopback, or through the {@link ShapingProxy}. */
public enum Profile {
  LOOPBACK("loopback"),
  S3_SHAPED("s3-shaped");

  private final String label;

  Profile(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** {@code base} for loopback, {@code base@s3-shaped} otherwise. */
  public String contenderName(String base) {
    return this == LOOPBACK ? base : base + "@" + label;
  }

  public static Profile parse(String text) {
    for (Profile p : values()) {
      if (p.label.equals(text)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown profile '" + text + "' (loopback, s3-shaped)");
  }
}
