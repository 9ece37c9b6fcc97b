package io.quiver.protocol.action;

/** {@code unpin}'s answer: {@code {"unpinned": "table:sales.orders"}}. */
public record UnpinResponse(String unpinned) {}
