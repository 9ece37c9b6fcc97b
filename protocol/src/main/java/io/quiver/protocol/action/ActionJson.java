package io.quiver.protocol.action;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one JSON mapper of action bodies and results, and the translation of its failures into {@link
 * IllegalArgumentException}s that name the field (Quiver reports those as an invalid request).
 * Unknown fields are ignored in both directions, so that an older peer understands what it knows of
 * a newer one's messages; absent optional fields are not written.
 */
final class ActionJson {
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  private ActionJson() {}

  static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  /**
   * Reads a JSON object of at most {@code limit} bytes (empty means {@code {}}) as {@code type}.
   *
   * @param what "Action body" or "Action result", for messages
   * @throws IllegalArgumentException saying what is wrong
   */
  static <T> T read(byte[] bytes, int limit, Class<T> type, String what) {
    if (bytes == null || bytes.length == 0) {
      return read(MAPPER.createObjectNode(), type, what);
    }
    if (bytes.length > limit) {
      throw new IllegalArgumentException(
          what + " of " + bytes.length + " bytes is above the limit of " + limit);
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage());
    }
    return read(node, type, what);
  }

  static <T> T read(JsonNode node, Class<T> type, String what) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(what + " must be a JSON object");
    }
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      // A record's own check (in its compact constructor) says best what is wrong.
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        if (c instanceof IllegalArgumentException invalid) {
          throw invalid;
        }
      }
      String field = e instanceof JsonMappingException m ? fieldOf(m) : "";
      if (e instanceof MismatchedInputException m
          && m.getTargetType() != null
          && !field.isEmpty()) {
        throw new IllegalArgumentException(
            "\""
                + field
                + "\" in "
                + what.toLowerCase(java.util.Locale.ROOT)
                + " must be "
                + kindOf(m.getTargetType()));
      }
      throw new IllegalArgumentException(
          what
              + " is not valid"
              + (field.isEmpty() ? "" : " at \"" + field + "\"")
              + ": "
              + e.getOriginalMessage());
    }
  }

  /** The dotted path of the failing field ({@code options.key}, {@code columns[1]}). */
  private static String fieldOf(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining())
        .replaceFirst("^\\.", "");
  }

  private static String kindOf(Class<?> type) {
    if (type == String.class) {
      return "a string";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != char.class)) {
      return "a number";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "an object";
    }
    return "a JSON object";
  }

  // Checks the records' compact constructors share.

  /** {@code value}, which must be a non-blank string. */
  static String required(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("Missing string field \"" + field + "\" in action body");
    }
    return value;
  }

  /** {@code value} if null or non-blank. */
  static String optional(String value, String field) {
    if (value != null && value.isBlank()) {
      throw new IllegalArgumentException("Field \"" + field + "\" must not be blank");
    }
    return value;
  }

  /** An immutable copy of column names, empty for null (all or none, as the action says). */
  static List<String> columns(List<String> columns) {
    if (columns == null) {
      return List.of();
    }
    for (String c : columns) {
      if (c == null || c.isBlank()) {
        throw new IllegalArgumentException("\"columns\" must be an array of column names");
      }
    }
    return List.copyOf(columns.stream().distinct().toList());
  }
}
