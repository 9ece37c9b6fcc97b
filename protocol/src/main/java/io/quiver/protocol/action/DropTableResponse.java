package io.quiver.protocol.action;

/** {@code drop-table}'s answer: {@code {"dropped": "sales.orders"}}. */
public record DropTableResponse(String dropped) {}
