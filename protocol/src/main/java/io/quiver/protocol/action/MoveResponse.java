package io.quiver.protocol.action;

/**
 * {@code mv}'s answer.
 *
 * @param tables how many tables followed the move
 */
public record MoveResponse(String source, String target, int tables) {}
