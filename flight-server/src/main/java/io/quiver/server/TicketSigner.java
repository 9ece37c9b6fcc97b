package io.quiver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.protocol.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs the DoGet tickets a node plans and checks them when they come back: a ticket is the node's
 * promise of what a caller may stream, so a client must not be able to forge one (e.g. list a row
 * group 20,000 times) or use another caller's.
 *
 * <p>Wire form: {@code "QVT" version(1 byte) payload(JSON) hmac(32 bytes)}; the payload is the
 * {@link ScanTicket} plus {@code "u"}, the principal it was planned for, and {@code "x"}, its
 * expiry (epoch milliseconds, also the endpoint's {@code expiration_time}). The HMAC-SHA256 key is
 * random per node start, so tickets do not outlive a restart (clients plan again), except in a
 * cluster, whose nodes share one key so that any node serves a ticket any node planned. Tickets
 * above {@link #MAX_BYTES} are refused before any parsing.
 *
 * <p>Thread-safe.
 */
public final class TicketSigner {
  /** Largest ticket accepted; a plan's endpoint tickets are a few hundred bytes. */
  public static final int MAX_BYTES = 1 << 20;

  private static final byte[] MAGIC = {'Q', 'V', 'T'};
  // 2: parts name their file format. 3: an optional row filter. 4: signed, principal, expiry.
  private static final byte VERSION = 4;
  private static final int MAC_BYTES = 32;

  private final SecretKeySpec key;
  private final java.time.Duration ttl;

  /** A signer with a fresh random key; tickets are valid for {@code ttl}. */
  public TicketSigner(java.time.Duration ttl) {
    this(ttl, randomKey());
  }

  /**
   * A signer with {@code key} (a cluster's shared key: a ticket planned by one node is accepted by
   * all); tickets are valid for {@code ttl}.
   */
  public TicketSigner(java.time.Duration ttl, byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("A ticket key needs at least 32 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.ttl = ttl;
  }

  private static byte[] randomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return k;
  }

  /** How long a ticket is valid after planning. */
  public java.time.Duration ttl() {
    return ttl;
  }

  /** The expiry of a ticket planned now. */
  public Instant expiryFromNow() {
    return Instant.now().plus(ttl);
  }

  /** {@code ticket} for {@code principal} (empty: anonymous), valid until {@code expires}. */
  public byte[] sign(ScanTicket ticket, String principal, Instant expires) {
    ObjectNode root = ticket.toJson();
    root.put("u", principal);
    root.put("x", expires.toEpochMilli());
    byte[] payload;
    try {
      payload = ScanTicket.json().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode ticket", e);
    }
    ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 1 + payload.length + MAC_BYTES);
    buf.put(MAGIC).put(VERSION).put(payload);
    buf.put(mac(buf.array(), buf.position()));
    return buf.array();
  }

  /**
   * The ticket in {@code bytes}, if this node signed it, it has not expired and it was planned for
   * {@code principal}.
   *
   * @throws IllegalArgumentException for anything that is not a ticket of this node
   *     (INVALID_ARGUMENT)
   * @throws org.apache.arrow.flight.FlightRuntimeException UNAUTHORIZED for another caller's ticket
   */
  public ScanTicket open(byte[] bytes, String principal) {
    if (bytes == null || bytes.length < MAGIC.length + 1 + MAC_BYTES + 2) {
      throw new IllegalArgumentException("Malformed ticket: too short to be a Quiver ticket");
    }
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "Malformed ticket: " + bytes.length + " bytes, above the limit of " + MAX_BYTES);
    }
    if (!Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException("Malformed ticket: not a Quiver ticket");
    }
    if (bytes[MAGIC.length] != VERSION) {
      throw new StaleTicketException(
          "Unsupported ticket version "
              + bytes[MAGIC.length]
              + " (this node makes version "
              + VERSION
              + "); call GetFlightInfo again");
    }
    int signed = bytes.length - MAC_BYTES;
    byte[] expected = mac(bytes, signed);
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(bytes, signed, bytes.length))) {
      throw new StaleTicketException(
          "Invalid ticket: not signed by this node (it may have restarted since the plan);"
              + " call GetFlightInfo again");
    }
    JsonNode root;
    try {
      root =
          ScanTicket.json()
              .readTree(
                  new String(
                      bytes, MAGIC.length + 1, signed - MAGIC.length - 1, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("Malformed ticket: " + e.getMessage(), e);
    }
    long expires = root.path("x").asLong(0);
    if (Instant.now().toEpochMilli() > expires) {
      throw new StaleTicketException(
          "Ticket expired at " + Instant.ofEpochMilli(expires) + "; call GetFlightInfo again");
    }
    if (!root.path("u").asText("").equals(principal)) {
      throw FlightErrors.error(
          ErrorCode.PERMISSION_DENIED,
          "This ticket was planned for another caller; call GetFlightInfo");
    }
    try {
      return ScanTicket.fromJson(root);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Malformed ticket: " + e.getMessage(), e);
    }
  }

  private byte[] mac(byte[] bytes, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(bytes, 0, length);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
