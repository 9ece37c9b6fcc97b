package io.quiver.format.orc;

import io.quiver.format.CorruptFileException;

/**
 * A file cannot be read as ORC: it is not ORC at all, it is truncated, or its tail or a stripe is
 * damaged. The message names the file and, where known, the stripe and column. Retrying will not
 * help; the file has to be rewritten.
 */
public final class CorruptOrcException extends CorruptFileException {
  private static final long serialVersionUID = 1L;

  public CorruptOrcException(String message) {
    super(message);
  }

  public CorruptOrcException(String message, Throwable cause) {
    super(message, cause);
  }
}
