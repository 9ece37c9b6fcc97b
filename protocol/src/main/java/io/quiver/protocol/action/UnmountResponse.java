package io.quiver.protocol.action;

/** {@code unmount}'s answer: {@code {"unmounted": "/sales"}}. */
public record UnmountResponse(String unmounted) {}
