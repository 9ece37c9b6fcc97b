package io.quiver.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Objects;

/**
 * One live node of a cluster as it announces itself in its membership znode.
 *
 * @param id the node's identity in placement: its advertised {@code host:port}, so that a node
 *     restarted at the same address owns the same keys (and finds them in its disk tier)
 * @param location the Flight location clients read from, e.g. {@code grpc+tcp://10.0.0.5:8815}
 * @param capacityBytes the node's memory-tier capacity
 * @param startedMillis when the node started (epoch milliseconds)
 * @param version the Quiver version the node runs
 */
public record Member(
    String id, String location, long capacityBytes, long startedMillis, String version) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public Member {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(version, "version");
  }

  /** The znode data announcing this member (JSON). */
  public byte[] toBytes() {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.put("location", location);
    o.put("capacityBytes", capacityBytes);
    o.put("startedMillis", startedMillis);
    o.put("version", version);
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a member announcement.
   *
   * @throws IOException if the data is not one (named in the message)
   */
  public static Member fromBytes(String znode, byte[] data) throws IOException {
    try {
      JsonNode o = JSON.readTree(data);
      return new Member(
          o.path("id").asText(),
          o.path("location").asText(),
          o.path("capacityBytes").asLong(),
          o.path("startedMillis").asLong(),
          o.path("version").asText("unknown"));
    } catch (IOException | RuntimeException e) {
      throw new IOException("Membership znode " + znode + " does not hold a member: " + e, e);
    }
  }
}
