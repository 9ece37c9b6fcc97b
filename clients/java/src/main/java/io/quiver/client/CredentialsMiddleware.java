package io.quiver.client;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClientMiddleware;

/**
 * Sends credentials in the {@code authorization} header of every call, the way Arrow Flight servers
 * expect them: {@code Bearer <token>}, or {@code Basic <base64(user:password)>} until the server
 * answers with a {@code Bearer} token in its response headers (Flight's basic-to-bearer exchange),
 * which is then sent instead. One instance per connection (per node): a token one node issues is
 * not sent to another. Thread-safe.
 */
final class CredentialsMiddleware implements FlightClientMiddleware.Factory {
  static final String HEADER = "authorization";

  private final String initial;
  private volatile String bearer;

  private CredentialsMiddleware(String initial) {
    this.initial = initial;
  }

  static CredentialsMiddleware bearer(String token) {
    return new CredentialsMiddleware("Bearer " + token);
  }

  static CredentialsMiddleware basic(String user, String password) {
    String pair = user + ":" + password;
    return new CredentialsMiddleware(
        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public FlightClientMiddleware onCallStarted(CallInfo info) {
    return new FlightClientMiddleware() {
      @Override
      public void onBeforeSendingHeaders(CallHeaders outgoing) {
        String token = bearer;
        outgoing.insert(HEADER, token != null ? token : initial);
      }

      @Override
      public void onHeadersReceived(CallHeaders incoming) {
        String value = incoming.get(HEADER);
        if (value != null && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
          bearer = value;
        }
      }

      @Override
      public void onCallCompleted(CallStatus status) {}
    };
  }
}
