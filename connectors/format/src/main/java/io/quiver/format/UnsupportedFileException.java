package io.quiver.format;

/**
 * A file that uses a feature Quiver does not read — encryption, for one — though it is not damaged;
 * the message names the file and the feature. Reading it again will fail the same way, so a server
 * reports it as unsupported, not as a storage failure to retry or as corrupt data.
 */
public class UnsupportedFileException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnsupportedFileException(String message) {
    super(message);
  }
}
