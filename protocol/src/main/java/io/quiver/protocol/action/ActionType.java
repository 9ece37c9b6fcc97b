package io.quiver.protocol.action;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One of Quiver's Flight actions: its wire name, what it does, and the JSON codec of its request
 * (the action body) and response (each result's body). The constants are in {@link Actions}.
 *
 * <p>A {@link #streaming() streaming} action sends several results of the response type, the last
 * being the final one (e.g. {@link Actions#CACHE_LOAD}'s progress); every other action sends one.
 *
 * @param <Req> the request record
 * @param <Resp> the response record
 */
public final class ActionType<Req, Resp> {
  private final String name;
  private final String description;
  private final Class<Req> requestType;
  private final Class<Resp> responseType;
  private final boolean streaming;

  ActionType(
      String name,
      String description,
      Class<Req> requestType,
      Class<Resp> responseType,
      boolean streaming) {
    this.name = Objects.requireNonNull(name);
    this.description = Objects.requireNonNull(description);
    this.requestType = Objects.requireNonNull(requestType);
    this.responseType = Objects.requireNonNull(responseType);
    this.streaming = streaming;
  }

  /** The action's type on the wire, e.g. {@code create-table}. */
  public String name() {
    return name;
  }

  /** What the action does and what its body holds (Flight's ListActions shows it). */
  public String description() {
    return description;
  }

  public Class<Req> requestType() {
    return requestType;
  }

  public Class<Resp> responseType() {
    return responseType;
  }

  /** Whether the action sends several results (progress, then the final one). */
  public boolean streaming() {
    return streaming;
  }

  /** The action body of {@code request}. */
  public byte[] encodeRequest(Req request) {
    return ActionJson.write(requestType.cast(Objects.requireNonNull(request, "request")));
  }

  /**
   * The request in an action body: a JSON object of at most {@link Actions#MAX_BODY_BYTES} bytes,
   * or nothing (an empty object). Unknown fields are ignored.
   *
   * @throws IllegalArgumentException naming what is missing or wrong
   */
  public Req decodeRequest(byte[] body) {
    return ActionJson.read(body, Actions.MAX_BODY_BYTES, requestType, "Action body");
  }

  /** The body of a result carrying {@code response}. */
  public byte[] encodeResponse(Resp response) {
    return ActionJson.write(responseType.cast(Objects.requireNonNull(response, "response")));
  }

  /** {@code response} as a JSON tree (the same JSON {@link #encodeResponse} writes). */
  public JsonNode toJson(Resp response) {
    return ActionJson.tree(responseType.cast(Objects.requireNonNull(response, "response")));
  }

  /**
   * The response in a result's body. Unknown fields (of a newer server) are ignored.
   *
   * @throws IllegalArgumentException if the body is not this action's result
   */
  public Resp decodeResponse(byte[] body) {
    return ActionJson.read(body, Integer.MAX_VALUE, responseType, "Action result");
  }

  /** Reads a response from a result already parsed as JSON. */
  public Resp decodeResponse(JsonNode result) {
    return ActionJson.read(result, responseType, "Action result");
  }

  @Override
  public String toString() {
    return name;
  }
}
