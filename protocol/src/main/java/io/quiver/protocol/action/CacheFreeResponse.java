package io.quiver.protocol.action;

/** {@code cache-free}'s answer: {@code {"freedEntries": 12}}. */
public record CacheFreeResponse(long freedEntries) {}
