package io.quiver.format;

import java.io.IOException;

/**
 * A file that cannot be decoded: not of its format, truncated or damaged. The message names the
 * file and, where known, the unit and column. Formats subclass it; retrying does not help.
 */
public class CorruptFileException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptFileException(String message) {
    super(message);
  }

  public CorruptFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
