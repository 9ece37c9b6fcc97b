package io.quiver.server.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.catalog.Mount;
import io.quiver.server.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operator's security settings, from the node's config file ({@code quiver serve --config
 * FILE}; YAML, or JSON as here — see {@link io.quiver.server.config.Settings}):
 *
 * <pre>{@code
 * {
 *   "users":  {"alice": {"password": "$2a$12$...", "roles": ["admin"]},
 *              "bob":   {"password": "$2a$12$...", "roles": ["reader", "finance"]}},
 *   "tokens": {"etl":   {"sha256": "9f86d0...", "roles": ["reader"]}},
 *   "token-ttl": "1h",
 *   "credentials": {"lake": {"access-key-env": "LAKE_ACCESS_KEY",
 *                            "secret-key-env": "LAKE_SECRET_KEY"}},
 *   "allow-local": ["/data", "/mnt/lake"]
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@code users}: passwords as bcrypt hashes only ({@code quiver hash-password} makes one);
 *   <li>{@code tokens}: static API tokens for services, as the SHA-256 (hex) of the token ({@code
 *       quiver new-token} makes a token and its hash);
 *   <li>{@code token-ttl}: lifetime of the bearer token a user gets for a password (default 1h);
 *   <li>{@code credentials}: named credential sets — store options (typically {@code *-env}
 *       variable names) that only the operator can name; a mount refers to one with the {@code
 *       credentials} option, and clients cannot name environment variables themselves;
 *   <li>{@code allow-local}: directories {@code file://} mounts may use (also {@code
 *       --allow-local}).
 * </ul>
 *
 * Authentication is on when at least one user or token is configured. Immutable; secrets (hashes)
 * never leave this object except to {@link Authenticator}.
 */
public final class SecurityConfig {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
  static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(1);

  /** A configured user: name, bcrypt hash, roles. */
  record User(String name, String bcryptHash, Set<String> roles) {}

  /** A configured API token: name, SHA-256 of the token (lower-case hex), roles. */
  record ApiToken(String name, String sha256Hex, Set<String> roles) {}

  private final Map<String, User> users;
  private final Map<String, ApiToken> tokens;
  private final Duration tokenTtl;
  private final Map<String, Map<String, String>> credentialSets;
  private final List<Path> allowLocal;

  private SecurityConfig(
      Map<String, User> users,
      Map<String, ApiToken> tokens,
      Duration tokenTtl,
      Map<String, Map<String, String>> credentialSets,
      List<Path> allowLocal) {
    this.users = Map.copyOf(users);
    this.tokens = Map.copyOf(tokens);
    this.tokenTtl = tokenTtl;
    this.credentialSets = Map.copyOf(credentialSets);
    this.allowLocal = List.copyOf(allowLocal);
  }

  /** No users, no tokens, no credential sets, no local roots. */
  public static SecurityConfig none() {
    return new SecurityConfig(Map.of(), Map.of(), DEFAULT_TOKEN_TTL, Map.of(), List.of());
  }

  /**
   * Reads and checks a config file.
   *
   * @throws IllegalArgumentException naming the file and the entry for anything malformed
   * @throws IOException if the file cannot be read
   */
  public static SecurityConfig load(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(
          file + ": not valid JSON (line " + e.getLocation().getLineNr() + ")");
    }
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** The config file's keys this class reads besides {@code allow-local}, which is an option. */
  public static final Set<String> FILE_KEYS = Set.of("users", "tokens", "token-ttl", "credentials");

  /**
   * The security section of the node's config file: {@link #FILE_KEYS} (any other key is refused);
   * {@code allow-local} comes through {@link #withAllowLocal} like the flag.
   *
   * @param section the file's security entries, or null for none
   * @param file the file, named in errors
   * @throws IllegalArgumentException naming the file and the entry for anything malformed
   */
  public static SecurityConfig fromConfigFile(JsonNode section, Path file) {
    if (section == null || section.isEmpty()) {
      return none();
    }
    try {
      return parse(section);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  static SecurityConfig parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the config must be a JSON object");
    }
    Set<String> known = Set.of("users", "tokens", "token-ttl", "credentials", "allow-local");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new IllegalArgumentException(
            "unknown setting \"" + f + "\" (known: " + String.join(", ", known) + ")");
      }
    }
    Map<String, User> users = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : entries(root, "users")) {
      String name = checkName("user", e.getKey());
      String hash = text(e.getValue(), "password", "user " + name);
      if (!BCRYPT.matcher(hash).matches()) {
        throw new IllegalArgumentException(
            "user "
                + name
                + ": \"password\" must be a bcrypt hash ($2a$/$2b$/$2y$, as `quiver hash-password`"
                + " prints), never the password itself");
      }
      users.put(name, new User(name, hash, roles(e.getValue(), "user " + name)));
    }
    Map<String, ApiToken> tokens = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : entries(root, "tokens")) {
      String name = checkName("token", e.getKey());
      if (users.containsKey(name)) {
        throw new IllegalArgumentException(
            "token " + name + ": a user has the same name; names must be unique");
      }
      String sha = text(e.getValue(), "sha256", "token " + name).toLowerCase(Locale.ROOT);
      if (!SHA256_HEX.matcher(sha).matches()) {
        throw new IllegalArgumentException(
            "token "
                + name
                + ": \"sha256\" must be the token's SHA-256 as 64 hex digits (`quiver new-token`"
                + " prints it)");
      }
      tokens.put(name, new ApiToken(name, sha, roles(e.getValue(), "token " + name)));
    }
    Duration ttl = DEFAULT_TOKEN_TTL;
    JsonNode ttlNode = root.get("token-ttl");
    if (ttlNode != null) {
      if (!ttlNode.isTextual()) {
        throw new IllegalArgumentException("\"token-ttl\" must be a duration such as \"1h\"");
      }
      try {
        ttl = Durations.parse(ttlNode.textValue());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("\"token-ttl\": " + e.getMessage(), e);
      }
      if (ttl.isZero() || ttl.compareTo(Duration.ofDays(30)) > 0) {
        throw new IllegalArgumentException("\"token-ttl\" must be between 1s and 30d");
      }
    }
    Map<String, Map<String, String>> sets = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : entries(root, "credentials")) {
      String name = checkName("credential set", e.getKey());
      if (!e.getValue().isObject() || e.getValue().isEmpty()) {
        throw new IllegalArgumentException(
            "credential set " + name + " must be a non-empty object of store options");
      }
      Map<String, String> options = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> o : iterable(e.getValue())) {
        if (!o.getValue().isTextual()) {
          throw new IllegalArgumentException(
              "credential set " + name + ": option \"" + o.getKey() + "\" must be a string");
        }
        options.put(o.getKey(), o.getValue().textValue());
      }
      sets.put(name, Map.copyOf(options));
    }
    List<Path> roots = new ArrayList<>();
    JsonNode local = root.get("allow-local");
    if (local != null) {
      if (!local.isArray()) {
        throw new IllegalArgumentException("\"allow-local\" must be an array of directories");
      }
      for (JsonNode d : local) {
        if (!d.isTextual() || !Path.of(d.textValue()).isAbsolute()) {
          throw new IllegalArgumentException(
              "\"allow-local\" entries must be absolute directories, not " + d);
        }
        roots.add(Path.of(d.textValue()).normalize());
      }
    }
    return new SecurityConfig(users, tokens, ttl, sets, roots);
  }

  /** This config with {@code more} local roots added (from {@code --allow-local}). */
  public SecurityConfig withAllowLocal(List<Path> more) {
    List<Path> all = new ArrayList<>(allowLocal);
    for (Path p : more) {
      if (!p.isAbsolute()) {
        throw new IllegalArgumentException(
            "--allow-local takes absolute directories, not '" + p + "'");
      }
      all.add(p.normalize());
    }
    return new SecurityConfig(users, tokens, tokenTtl, credentialSets, all);
  }

  /** This config with the credential set {@code name} (store options) added or replaced. */
  public SecurityConfig withCredentialSet(String name, Map<String, String> options) {
    checkName("credential set", name);
    if (options.isEmpty()) {
      throw new IllegalArgumentException("credential set " + name + " has no options");
    }
    Map<String, Map<String, String>> sets = new LinkedHashMap<>(credentialSets);
    sets.put(name, Map.copyOf(options));
    return new SecurityConfig(users, tokens, tokenTtl, sets, allowLocal);
  }

  /** Whether calls must authenticate (some user or token is configured). */
  public boolean authenticationEnabled() {
    return !users.isEmpty() || !tokens.isEmpty();
  }

  public Duration tokenTtl() {
    return tokenTtl;
  }

  /** The operator's credential sets by name (store options). */
  public Map<String, Map<String, String>> credentialSets() {
    return credentialSets;
  }

  /** Directories {@code file://} mounts may use (normalized, absolute). */
  public List<Path> allowLocal() {
    return allowLocal;
  }

  Map<String, User> users() {
    return users;
  }

  Map<String, ApiToken> tokens() {
    return tokens;
  }

  /** The principal named {@code name}, or null. */
  Principal principal(String name) {
    User u = users.get(name);
    if (u != null) {
      return new Principal(u.name(), u.roles());
    }
    ApiToken t = tokens.get(name);
    return t == null ? null : new Principal(t.name(), t.roles());
  }

  /**
   * The security settings for display ({@code quiver config show}): users and tokens with their
   * roles and their hashes replaced by {@code ****}, the token lifetime, credential sets with
   * secret-looking values masked as {@code mount ls} masks options, and the local roots.
   */
  public ObjectNode describe() {
    ObjectNode out = JSON.createObjectNode();
    ObjectNode u = out.putObject("users");
    users.values().forEach(x -> hidden(u, x.name(), "password", x.roles()));
    ObjectNode t = out.putObject("tokens");
    tokens.values().forEach(x -> hidden(t, x.name(), "sha256", x.roles()));
    out.put("token-ttl", Durations.format(tokenTtl));
    ObjectNode c = out.putObject("credentials");
    credentialSets.forEach((name, options) -> Mount.mask(options).forEach(c.putObject(name)::put));
    return out;
  }

  /** Adds {@code name: {hashField: "****", roles: [...]}} to {@code section}. */
  private static void hidden(ObjectNode section, String name, String hashField, Set<String> roles) {
    ObjectNode entry = section.putObject(name);
    entry.put(hashField, "****");
    roles.forEach(entry.putArray("roles")::add);
  }

  /** For logs: counts only, never names of secrets. */
  @Override
  public String toString() {
    return users.size()
        + " user(s), "
        + tokens.size()
        + " token(s), "
        + credentialSets.size()
        + " credential set(s), local roots "
        + allowLocal;
  }

  private static String checkName(String what, String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " name '" + name + "' must be 1-128 of letters, digits, '.', '_', '@', '-'");
    }
    return name;
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
      throw new IllegalArgumentException(where + ": missing string \"" + field + "\"");
    }
    return v.textValue();
  }

  private static Set<String> roles(JsonNode node, String where) {
    JsonNode r = node.get("roles");
    if (r == null || !r.isArray() || r.isEmpty()) {
      throw new IllegalArgumentException(
          where + ": \"roles\" must be a non-empty array (e.g. [\"reader\"] or [\"admin\"])");
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode x : r) {
      if (!x.isTextual()) {
        throw new IllegalArgumentException(where + ": roles must be strings");
      }
      out.add(checkName("role", x.textValue()));
    }
    return out;
  }

  private static Iterable<Map.Entry<String, JsonNode>> entries(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null) {
      return List.of();
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("\"" + field + "\" must be an object keyed by name");
    }
    for (Map.Entry<String, JsonNode> e : iterable(n)) {
      if (!e.getValue().isObject()) {
        throw new IllegalArgumentException(
            "\"" + field + "\"." + e.getKey() + " must be an object");
      }
    }
    return iterable(n);
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
    return n::fields;
  }
}
