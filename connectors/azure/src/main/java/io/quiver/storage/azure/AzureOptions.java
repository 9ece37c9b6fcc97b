package io.quiver.storage.azure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The validated mount options of an {@link AzureBlobStorage}. Credentials are given as names of
 * environment variables and read once, here; the secrets never appear in messages or {@link
 * #toString()}.
 *
 * <p>Immutable and thread-safe.
 */
final class AzureOptions {
  static final String ENDPOINT = "endpoint";
  static final String CONNECTION_STRING_ENV = "connection-string-env";
  static final String ACCOUNT_KEY_ENV = "account-key-env";
  static final String SAS_TOKEN_ENV = "sas-token-env";
  static final String REQUEST_TIMEOUT = "request-timeout";
  static final String MAX_TRIES = "max-tries";

  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  static final int DEFAULT_MAX_TRIES = 3;

  private static final TreeSet<String> KNOWN =
      new TreeSet<>(
          java.util.List.of(
              ENDPOINT,
              CONNECTION_STRING_ENV,
              ACCOUNT_KEY_ENV,
              SAS_TOKEN_ENV,
              REQUEST_TIMEOUT,
              MAX_TRIES));

  private static final Pattern SIMPLE_DURATION =
      Pattern.compile("(\\d+)\\s*(ms|s|m|h)", Pattern.CASE_INSENSITIVE);

  /** How requests are authorized. */
  enum CredentialKind {
    CONNECTION_STRING,
    ACCOUNT_KEY,
    SAS_TOKEN
  }

  private final String endpoint;
  private final CredentialKind credentialKind;
  private final String credentialEnv;
  private final String secret;
  private final Duration requestTimeout;
  private final int maxTries;

  private AzureOptions(
      String endpoint,
      CredentialKind credentialKind,
      String credentialEnv,
      String secret,
      Duration requestTimeout,
      int maxTries) {
    this.endpoint = endpoint;
    this.credentialKind = credentialKind;
    this.credentialEnv = credentialEnv;
    this.secret = secret;
    this.requestTimeout = requestTimeout;
    this.maxTries = maxTries;
  }

  /**
   * Validates {@code options} and reads the named environment variables through {@code env}.
   *
   * @throws IllegalArgumentException naming the offending option or variable (never its value if it
   *     is a secret)
   */
  static AzureOptions parse(Map<String, String> options, Function<String, String> env) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(env, "env");
    TreeSet<String> unknown = new TreeSet<>(options.keySet());
    unknown.removeAll(KNOWN);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "Unknown Azure Blob mount option(s): "
              + String.join(", ", unknown)
              + " (known: "
              + String.join(", ", KNOWN)
              + ")");
    }

    String endpoint =
        Optional.ofNullable(options.get(ENDPOINT)).map(AzureOptions::endpoint).orElse(null);

    TreeSet<String> given = new TreeSet<>();
    for (String key : java.util.List.of(CONNECTION_STRING_ENV, ACCOUNT_KEY_ENV, SAS_TOKEN_ENV)) {
      if (options.containsKey(key)) {
        given.add(key);
      }
    }
    if (given.isEmpty()) {
      throw new IllegalArgumentException(
          "Azure Blob mounts need credentials: give "
              + CONNECTION_STRING_ENV
              + ", "
              + ACCOUNT_KEY_ENV
              + " or "
              + SAS_TOKEN_ENV
              + " (the name of an environment variable holding the secret); Azure AD /"
              + " DefaultAzureCredential is not supported");
    }
    if (given.size() > 1) {
      throw new IllegalArgumentException(
          "Give only one of " + String.join(", ", given) + " for an Azure Blob mount");
    }
    String key = given.first();
    String variable = options.get(key);
    if (variable == null || variable.isBlank()) {
      throw new IllegalArgumentException(
          "Option " + key + " must name an environment variable, got an empty name");
    }
    String value = env.apply(variable);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "Environment variable "
              + variable
              + " (named by option "
              + key
              + ") is not set or is empty");
    }
    value = value.strip();
    CredentialKind kind;
    switch (key) {
      case CONNECTION_STRING_ENV -> {
        kind = CredentialKind.CONNECTION_STRING;
        if (!value.contains("=")) {
          throw new IllegalArgumentException(
              "Environment variable "
                  + variable
                  + " does not hold an Azure Storage connection string (Key=Value;...)");
        }
      }
      case ACCOUNT_KEY_ENV -> {
        kind = CredentialKind.ACCOUNT_KEY;
        try {
          Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "Environment variable "
                  + variable
                  + " does not hold a storage account key (expected Base64)");
        }
      }
      default -> {
        kind = CredentialKind.SAS_TOKEN;
        value = value.startsWith("?") ? value.substring(1) : value;
      }
    }

    Duration timeout =
        Optional.ofNullable(options.get(REQUEST_TIMEOUT))
            .map(AzureOptions::duration)
            .orElse(DEFAULT_REQUEST_TIMEOUT);
    int maxTries =
        Optional.ofNullable(options.get(MAX_TRIES))
            .map(AzureOptions::maxTries)
            .orElse(DEFAULT_MAX_TRIES);
    return new AzureOptions(endpoint, kind, variable, value, timeout, maxTries);
  }

  private static String endpoint(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "Option " + ENDPOINT + " is not a URL: '" + text + "' (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "Option "
              + ENDPOINT
              + " must be an http(s) URL such as https://account.blob.core.windows.net or"
              + " http://127.0.0.1:10000/devstoreaccount1, got '"
              + text
              + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      // A SAS in the endpoint would be a secret in plain configuration.
      throw new IllegalArgumentException(
          "Option "
              + ENDPOINT
              + " must not carry a query, fragment or user info; put a SAS token in the variable"
              + " named by "
              + SAS_TOKEN_ENV);
    }
    String s = uri.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  static Duration duration(String text) {
    String t = text.strip();
    Matcher m = SIMPLE_DURATION.matcher(t);
    Duration d;
    if (m.matches()) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        throw badTimeout(text);
      }
      d =
          switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
          };
    } else {
      try {
        d = Duration.parse(t);
      } catch (DateTimeParseException e) {
        throw badTimeout(text);
      }
    }
    if (d.isNegative() || d.isZero()) {
      throw badTimeout(text);
    }
    return d;
  }

  private static IllegalArgumentException badTimeout(String text) {
    return new IllegalArgumentException(
        "Option "
            + REQUEST_TIMEOUT
            + " must be a positive duration such as 60s, 500ms, 2m or PT1M, got '"
            + text
            + "'");
  }

  private static int maxTries(String text) {
    int n;
    try {
      n = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > 20) {
      throw new IllegalArgumentException(
          "Option " + MAX_TRIES + " must be a whole number from 1 to 20, got '" + text + "'");
    }
    return n;
  }

  /** The {@code endpoint} option without a trailing slash, if given. */
  Optional<String> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  CredentialKind credentialKind() {
    return credentialKind;
  }

  /** Name of the environment variable the secret came from (for messages). */
  String credentialEnv() {
    return credentialEnv;
  }

  /** The secret itself: connection string, Base64 account key or SAS token (without '?'). */
  String secret() {
    return secret;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  int maxTries() {
    return maxTries;
  }

  /** The account a connection string names ({@code AccountName=}), if it names one. */
  Optional<String> connectionStringAccount() {
    if (credentialKind != CredentialKind.CONNECTION_STRING) {
      return Optional.empty();
    }
    for (String part : secret.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).strip().equalsIgnoreCase("AccountName")) {
        return Optional.of(part.substring(eq + 1).strip());
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "AzureOptions[endpoint="
        + endpoint
        + ", credentials="
        + credentialKind
        + " from $"
        + credentialEnv
        + ", requestTimeout="
        + requestTimeout
        + ", maxTries="
        + maxTries
        + "]";
  }
}
