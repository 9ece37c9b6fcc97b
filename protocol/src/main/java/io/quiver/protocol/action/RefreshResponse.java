package io.quiver.protocol.action;

/**
 * {@code refresh}'s answer.
 *
 * @param path the namespace path listed again
 * @param files how many files are there now
 * @param bytes how many bytes they hold
 */
public record RefreshResponse(String path, long files, long bytes) {}
