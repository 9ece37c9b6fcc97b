package io.quiver.server.logging;

import ch.qos.logback.core.rolling.TriggeringPolicyBase;
import java.io.File;

/**
 * Rolls the log file over before a line is written once it has reached {@code maxBytes}, so that no
 * file is larger than the bound by more than one line.
 *
 * <p>Logback's own {@code SizeBasedTriggeringPolicy} looks at the file at most every so many
 * milliseconds, so a burst of lines can take a file far past its bound; this one checks the length
 * (a {@code stat}) on every line, which costs nothing next to writing the line.
 *
 * <p>Thread-safe: the appender calls it under its own lock.
 */
public final class SizeTrigger<E> extends TriggeringPolicyBase<E> {
  private final long maxBytes;

  /**
   * @param maxBytes the size at which the file is rolled over; at least 1
   */
  public SizeTrigger(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("max log file size must be at least 1 byte");
    }
    this.maxBytes = maxBytes;
  }

  @Override
  public boolean isTriggeringEvent(File activeFile, E event) {
    return activeFile.length() >= maxBytes;
  }
}
