package io.quiver.storage;

import java.util.Objects;

/**
 * The version of a stored object as its store defines it: an S3 ETag or version id, an Azure ETag,
 * or modification time plus length for HDFS and local files.
 *
 * <p>Opaque to everything but the store that made it: two versions are equal only if the object did
 * not change in between. Cache keys carry it so that a changed object is never served from an old
 * entry.
 */
public record ObjectVersion(String token) {
  public ObjectVersion {
    Objects.requireNonNull(token, "token");
    if (token.isEmpty()) {
      throw new IllegalArgumentException("empty object version");
    }
  }

  /** Version of a file identified by its modification time and length (local, HDFS). */
  public static ObjectVersion ofModifiedAndLength(long modifiedMillis, long length) {
    return new ObjectVersion("m" + modifiedMillis + "-l" + length);
  }

  @Override
  public String toString() {
    return token;
  }
}
