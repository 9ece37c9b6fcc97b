package io.quiver.server.security;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.quiver.protocol.ErrorCode;
import io.quiver.server.FlightErrors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.AuthUtilities;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every Flight call (Flight's header authentication, so Flight SQL clients and the
 * Arrow JDBC driver work unchanged) from its {@code authorization} header:
 *
 * <ul>
 *   <li>{@code Basic base64(user:password)}: checked against the user's bcrypt hash; on success the
 *       response carries {@code authorization: Bearer <token>}, a random 256-bit session token
 *       valid for {@link SecurityConfig#tokenTtl()}, which clients send instead from then on;
 *   <li>{@code Bearer <token>}: a session token this node issued and that has not expired, or a
 *       configured API token (compared by SHA-256).
 * </ul>
 *
 * Every failure is the same {@code UNAUTHENTICATED} "invalid credentials" whether the user exists
 * or not (an unknown user is checked against a dummy hash, so timing does not tell either). A
 * successful password check is remembered (by a SHA-256 of the header, for the token lifetime) so
 * that clients that keep sending basic credentials do not pay bcrypt on every call. Password
 * guessing is throttled ({@link LoginThrottle}): a bounded number of bcrypt checks at a time, and
 * growing delays for a name after five failed logins in a row.
 *
 * <p>Thread-safe.
 */
public final class Authenticator implements CallHeaderAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
  private static final String INVALID = "Invalid credentials";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecurityConfig config;
  private final Map<String, SecurityConfig.ApiToken> apiTokensByHash = new HashMap<>();
  private final Cache<String, Principal> sessions;
  private final Cache<String, Login> verifiedBasic;
  private final char[] dummyHash;
  private final LoginThrottle throttle = new LoginThrottle();

  public Authenticator(SecurityConfig config) {
    this.config = config;
    for (SecurityConfig.ApiToken t : config.tokens().values()) {
      apiTokensByHash.put(t.sha256Hex(), t);
    }
    this.sessions =
        Caffeine.newBuilder().expireAfterWrite(config.tokenTtl()).maximumSize(1_000_000).build();
    this.verifiedBasic =
        Caffeine.newBuilder().expireAfterWrite(config.tokenTtl()).maximumSize(100_000).build();
    // Same cost as the configured hashes, so an unknown user takes as long as a wrong password.
    int cost =
        config.users().values().stream()
            .mapToInt(u -> Integer.parseInt(u.bcryptHash().substring(4, 6)))
            .max()
            .orElse(10);
    this.dummyHash =
        BCrypt.withDefaults().hashToChar(cost, "no user has this password".toCharArray());
  }

  @Override
  public AuthResult authenticate(CallHeaders headers) {
    String bearer = AuthUtilities.getValueFromAuthHeader(headers, Auth2Constants.BEARER_PREFIX);
    if (bearer != null) {
      Principal p = bearer(bearer);
      if (p == null) {
        throw FlightErrors.error(ErrorCode.UNAUTHENTICATED, INVALID);
      }
      return result(p, null);
    }
    String basic = AuthUtilities.getValueFromAuthHeader(headers, Auth2Constants.BASIC_PREFIX);
    if (basic != null) {
      Login login = basic(basic);
      if (login == null) {
        throw FlightErrors.error(ErrorCode.UNAUTHENTICATED, INVALID);
      }
      return result(login.principal(), login.token());
    }
    throw FlightErrors.error(
        ErrorCode.UNAUTHENTICATED,
        "Authentication required: send user and password (basic) or a bearer token");
  }

  /**
   * Authenticates an HTTP request (the monitoring port's status page) by its {@code Authorization}
   * header exactly as a Flight call with that header: same credentials, same throttling, same
   * errors.
   *
   * @param authorization the header's value, or null when the request has none
   * @return who sent it
   * @throws org.apache.arrow.flight.FlightRuntimeException {@code UNAUTHENTICATED} for missing or
   *     wrong credentials (or a name throttled after failed logins), {@code UNAVAILABLE} when too
   *     many logins are being checked
   */
  public Principal authenticateHttp(String authorization) {
    org.apache.arrow.flight.FlightCallHeaders headers =
        new org.apache.arrow.flight.FlightCallHeaders();
    if (authorization != null) {
      headers.insert(Auth2Constants.AUTHORIZATION_HEADER, authorization);
    }
    Principal p = principal(authenticate(headers).getPeerIdentity());
    if (p == null) {
      throw FlightErrors.error(ErrorCode.UNAUTHENTICATED, INVALID);
    }
    return p;
  }

  /** The principal a call authenticated as, by the identity {@link #authenticate} gave it. */
  public Principal principal(String peerIdentity) {
    if (peerIdentity == null || peerIdentity.isEmpty()) {
      return null;
    }
    return config.principal(peerIdentity);
  }

  private Principal bearer(String token) {
    Principal session = sessions.getIfPresent(token);
    if (session != null) {
      return session;
    }
    SecurityConfig.ApiToken t = apiTokensByHash.get(sha256Hex(token));
    return t == null ? null : new Principal(t.name(), t.roles());
  }

  /** A verified password login and the session token it was given (both expire together). */
  private record Login(Principal principal, String token) {}

  private Login basic(String encoded) {
    String key = sha256Hex(encoded);
    Login known = verifiedBasic.getIfPresent(key);
    if (known != null) {
      return known;
    }
    String pair;
    try {
      pair = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = pair.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    String name = pair.substring(0, colon);
    java.util.Optional<java.time.Duration> blocked = throttle.blocked(name);
    if (blocked.isPresent()) {
      throw FlightErrors.error(
          ErrorCode.UNAUTHENTICATED,
          "Too many failed logins for this user; retry in "
              + Math.max(1, blocked.get().toSeconds())
              + " s");
    }
    boolean started;
    try {
      started = throttle.beginCheck();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      started = false;
    }
    if (!started) {
      throw FlightErrors.error(
          ErrorCode.NODE_UNAVAILABLE, "Too many logins are being checked; retry shortly");
    }
    char[] password = pair.substring(colon + 1).toCharArray();
    boolean ok;
    SecurityConfig.User u = config.users().get(name);
    try {
      char[] hash = u == null ? dummyHash : u.bcryptHash().toCharArray();
      ok = BCrypt.verifyer().verify(password, hash).verified && u != null;
    } finally {
      throttle.endCheck();
      java.util.Arrays.fill(password, '\0');
    }
    throttle.record(name, ok);
    if (!ok) {
      LOG.info("authentication failed for a basic login");
      return null;
    }
    Login login = new Login(new Principal(u.name(), u.roles()), newToken());
    sessions.put(login.token(), login.principal());
    verifiedBasic.put(key, login);
    return login;
  }

  private static AuthResult result(Principal p, String newToken) {
    return new AuthResult() {
      @Override
      public String getPeerIdentity() {
        return p.name();
      }

      @Override
      public void appendToOutgoingHeaders(CallHeaders outgoing) {
        if (newToken != null && !outgoing.containsKey(Auth2Constants.AUTHORIZATION_HEADER)) {
          outgoing.insert(
              Auth2Constants.AUTHORIZATION_HEADER, Auth2Constants.BEARER_PREFIX + newToken);
        }
      }
    };
  }

  /** A random 256-bit token, URL-safe Base64 without padding. */
  public static String newToken() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** SHA-256 of {@code s} (UTF-8) as lower-case hex: how API tokens are stored in the config. */
  public static String sha256Hex(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
