package io.quiver.client;

import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.ShortCircuitRequest;
import io.quiver.protocol.action.ShortCircuitResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;

/**
 * A client's knowledge for short-circuit reads ({@link ShortCircuitStream}): which nodes are on
 * this host, which refused short-circuit reads (started without {@code --short-circuit}) and which
 * shared-memory directories this process can see. Learned once per node, so a remote node or one
 * with the feature off costs no extra call after the first.
 *
 * <p>Thread-safe.
 */
final class ShortCircuits {
  /** Whether a node is worth asking: on this host and not known to refuse. */
  private final Map<String, Boolean> usable = new ConcurrentHashMap<>();

  /** Directories whose token this process read, with the token it read. */
  private final Map<String, String> tokens = new ConcurrentHashMap<>();

  /** The own node's location, for endpoints without locations. */
  private final Location own;

  ShortCircuits(Location own) {
    this.own = own;
  }

  /** The location an endpoint's short-circuit read asks: its first, or the client's node. */
  Location target(java.util.List<Location> locations) {
    if (locations.isEmpty()
        || "arrow-flight-reuse-connection".equals(locations.get(0).getUri().getScheme())) {
      return own;
    }
    return locations.get(0);
  }

  /** Whether to try a short-circuit read at {@code location}: on this host and not refused. */
  boolean worthTrying(Location location) {
    return usable.computeIfAbsent(key(location), k -> isLocal(location.getUri()));
  }

  /** Never ask {@code location} again (it refused, or this process cannot see its directory). */
  void giveUp(Location location) {
    usable.put(key(location), false);
  }

  /** Whether this process sees the node's directory: its token file holds {@code token}. */
  boolean seesDirectory(String directory, String token) {
    if (directory == null || token == null) {
      return false;
    }
    String read =
        tokens.computeIfAbsent(
            directory,
            d -> {
              try {
                return Files.readString(
                    Path.of(d).resolve(".quiver-token"), StandardCharsets.US_ASCII);
              } catch (IOException | RuntimeException e) {
                return ""; // another host, mount namespace or user
              }
            });
    return read.equals(token);
  }

  /** One call of the {@code short-circuit} action. */
  static ShortCircuitResponse call(FlightClient client, ShortCircuitRequest request) {
    Iterator<Result> results =
        client.doAction(
            new Action(Actions.SHORT_CIRCUIT.name(), Actions.SHORT_CIRCUIT.encodeRequest(request)));
    ShortCircuitResponse last = null;
    while (results.hasNext()) {
      last = Actions.SHORT_CIRCUIT.decodeResponse(results.next().getBody());
    }
    if (last == null) {
      throw new IllegalStateException("The node answered short-circuit with no result");
    }
    return last;
  }

  private static String key(Location location) {
    return location.getUri().toString();
  }

  /** Whether {@code uri}'s host is this machine: a loopback address or one of its interfaces'. */
  private static boolean isLocal(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      return false; // a scheme without a host (a Unix socket, say): not ours to map
    }
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (address.isLoopbackAddress()
            || address.isAnyLocalAddress()
            || NetworkInterface.getByInetAddress(address) != null) {
          return true;
        }
      }
    } catch (UnknownHostException | SocketException e) {
      return false;
    }
    return false;
  }
}
