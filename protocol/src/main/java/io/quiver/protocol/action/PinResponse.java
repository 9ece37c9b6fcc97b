package io.quiver.protocol.action;

/**
 * {@code pin}'s answer: {@code {"pinned": "table:sales.orders", "files": 3, "ttl": "PT2H"}}.
 *
 * @param pinned the pin's name ({@code table:NAME} or {@code path:PATH})
 * @param files the files covered (files added later are not)
 * @param ttl the pin's time to live as an ISO-8601 duration, or {@code none}
 */
public record PinResponse(String pinned, long files, String ttl) {}
