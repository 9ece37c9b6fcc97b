package io.quiver.protocol.action;

/**
 * The request of an action that takes no arguments: {@code {}} (fields sent anyway are ignored).
 */
public record Empty() {
  public static final Empty INSTANCE = new Empty();
}
