package io.quiver.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The effective settings of a command whose options may also come from the environment and a config
 * file: every long option {@code --some-key} is also the environment variable {@code
 * QUIVER_SOME_KEY} and the key {@code some-key} of the config file, and the first of these that
 * sets it wins:
 *
 * <ol>
 *   <li>the command line;
 *   <li>the environment ({@code QUIVER_*}; a list option takes comma-separated values);
 *   <li>the config file ({@code --config FILE}, else {@code $QUIVER_CONFIG}): YAML, or JSON when
 *       the name ends in {@code .json} (JSON is YAML too, but YAML forbids the tabs JSON allows);
 *   <li>the option's built-in default.
 * </ol>
 *
 * The file may also hold structured entries that are not options ({@code extraKeys}, e.g. the
 * security section); they are handed over as they are by {@link #extra()}. A key that is neither is
 * refused, naming the key and the nearest known one — a typo never goes unnoticed.
 *
 * <p>Every value from the environment or the file is checked with the option's own converter before
 * use, so a bad one fails naming the key and where it came from (picocli's message lists the
 * allowed values of an enum option). Values stay strings until the command parses them: the command
 * sees exactly what it would for the same flags.
 *
 * <p>Immutable once {@linkplain #resolve resolved}; thread-safe.
 */
public final class Settings {
  /** Prefix of the environment variables that set options. */
  public static final String ENV_PREFIX = "QUIVER_";

  /** The option naming the config file (and so, through the environment, {@code QUIVER_CONFIG}). */
  public static final String CONFIG_KEY = "config";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  /** Where a setting's value came from. */
  public enum Origin {
    FLAG,
    ENV,
    FILE,
    DEFAULT
  }

  /**
   * Where one setting came from.
   *
   * @param origin the kind of source
   * @param detail the flag, variable or file; empty for a default
   */
  public record Source(Origin origin, String detail) {
    @Override
    public String toString() {
      return switch (origin) {
        case FLAG -> "flag " + detail;
        case ENV -> "env " + detail;
        case FILE -> "file " + detail;
        case DEFAULT -> "default";
      };
    }
  }

  private final List<String> args;
  private final Map<String, Source> sources;
  private final ObjectNode extra;
  private final Path file;
  private final Source fileSource;

  private Settings(
      List<String> args, Map<String, Source> sources, ObjectNode extra, Path file, Source src) {
    this.args = List.copyOf(args);
    this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    this.extra = extra;
    this.file = file;
    this.fileSource = src;
  }

  /**
   * The environment variable of the option {@code key}: {@code http-port} → {@code
   * QUIVER_HTTP_PORT}.
   */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** The config key of an option: its longest name without the dashes. */
  public static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  /**
   * Resolves a parsed command line against the environment and the config file.
   *
   * @param parsed the command line as picocli parsed it (its options are the settings)
   * @param originalArgs the arguments that were parsed
   * @param env the environment (e.g. {@link System#getenv()})
   * @param extraKeys file keys that are not options, returned by {@link #extra()}
   * @param fresh makes a new instance of the command, to check values with its converters
   * @throws IllegalArgumentException for an unreadable or malformed file, an unknown key or a bad
   *     value, naming the key and where it came from
   */
  public static Settings resolve(
      ParseResult parsed,
      List<String> originalArgs,
      Map<String, String> env,
      Set<String> extraKeys,
      Supplier<Object> fresh) {
    CommandSpec spec = parsed.commandSpec();
    Path file = null;
    Source fileSource = null;
    OptionSpec configOption = spec.findOption("--" + CONFIG_KEY);
    if (configOption != null && parsed.hasMatchedOption(configOption)) {
      Object v = configOption.getValue();
      file = v instanceof Path p ? p : Path.of(v.toString());
      fileSource = new Source(Origin.FLAG, "--" + CONFIG_KEY);
    } else if (nonBlank(env.get(envName(CONFIG_KEY)))) {
      file = Path.of(env.get(envName(CONFIG_KEY)));
      fileSource = new Source(Origin.ENV, envName(CONFIG_KEY));
    }
    ObjectNode content = file == null ? JSON.createObjectNode() : read(file);

    Map<String, OptionSpec> byKey = new LinkedHashMap<>();
    for (OptionSpec o : spec.options()) {
      if (!o.usageHelp() && !o.versionHelp() && o.longestName().startsWith("--")) {
        byKey.put(key(o), o);
      }
    }
    ObjectNode extra = JSON.createObjectNode();
    for (Iterator<String> it = content.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (k.equals(CONFIG_KEY)) {
        throw new IllegalArgumentException(
            file + ": key '" + k + "' cannot be set inside the config file");
      }
      if (extraKeys.contains(k)) {
        extra.set(k, content.get(k));
      } else if (!byKey.containsKey(k)) {
        Set<String> known = new TreeSet<>(byKey.keySet());
        known.remove(CONFIG_KEY);
        known.addAll(extraKeys);
        throw new IllegalArgumentException(
            file
                + ": unknown key '"
                + k
                + "'"
                + suggestion(k, known)
                + " (known keys: "
                + String.join(", ", known)
                + ")");
      }
    }

    List<String> args = new ArrayList<>(originalArgs);
    Map<String, Source> sources = new LinkedHashMap<>();
    for (Map.Entry<String, OptionSpec> e : byKey.entrySet()) {
      String k = e.getKey();
      OptionSpec o = e.getValue();
      if (parsed.hasMatchedOption(o)) {
        sources.put(k, new Source(Origin.FLAG, o.longestName()));
        continue;
      }
      if (k.equals(CONFIG_KEY)) {
        sources.put(k, fileSource == null ? new Source(Origin.DEFAULT, "") : fileSource);
        continue;
      }
      String fromEnv = env.get(envName(k));
      List<String> values;
      Source source;
      if (nonBlank(fromEnv)) {
        source = new Source(Origin.ENV, envName(k));
        values = o.isMultiValue() ? splitList(fromEnv) : List.of(fromEnv.strip());
      } else if (content.has(k)) {
        source = new Source(Origin.FILE, file.toString());
        values = fileValues(k, o, content.get(k), source);
      } else {
        sources.put(k, new Source(Origin.DEFAULT, ""));
        continue;
      }
      List<String> tokens = tokens(o, values, k, source);
      check(fresh, tokens, k, source);
      args.addAll(tokens);
      sources.put(k, source);
    }
    return new Settings(args, sources, extra, file, fileSource);
  }

  /**
   * The arguments to parse: the command line's, then one {@code --key=value} per value taken from
   * the environment or the file.
   */
  public List<String> args() {
    return args;
  }

  /** Where each option's value came from, by key, in the command's option order. */
  public Map<String, Source> sources() {
    return sources;
  }

  /** The file's entries that are not options (a copy; empty without a file). */
  public ObjectNode extra() {
    return extra.deepCopy();
  }

  /** The config file read, or null. */
  public Path file() {
    return file;
  }

  /** Where the config file's name came from, or null without a file. */
  public Source fileSource() {
    return fileSource;
  }

  private static ObjectNode read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("config file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e, e);
    }
    boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    JsonNode root;
    try {
      root = (json ? JSON : YAML).readTree(bytes);
    } catch (JsonProcessingException e) {
      String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      throw new IllegalArgumentException(
          file + ": not valid " + (json ? "JSON" : "YAML") + line + ": " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e, e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return JSON.createObjectNode(); // empty, or comments only
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException(
          file + ": the config must be a mapping of keys to values (e.g. 'port: 8815')");
    }
    return (ObjectNode) root;
  }

  private static List<String> fileValues(String k, OptionSpec o, JsonNode v, Source source) {
    List<String> values = new ArrayList<>();
    if (v.isArray()) {
      if (!o.isMultiValue()) {
        throw bad(k, source, "takes one value, not a list");
      }
      for (JsonNode x : v) {
        if (!x.isValueNode() || x.isNull()) {
          throw bad(k, source, "list entries must be plain values");
        }
        values.add(x.asText());
      }
    } else if (v.isValueNode() && !v.isNull()) {
      values.add(v.asText());
    } else {
      throw bad(k, source, v.isNull() ? "has no value" : "must be a plain value, not a mapping");
    }
    return values;
  }

  private static List<String> tokens(OptionSpec o, List<String> values, String k, Source src) {
    List<String> tokens = new ArrayList<>();
    boolean flag = o.arity().max() == 0;
    for (String v : values) {
      if (flag) {
        // A switch: true turns it on; false leaves it at its default (off).
        String b = v.strip().toLowerCase(Locale.ROOT);
        if (b.equals("true")) {
          tokens.add(o.longestName());
        } else if (!b.equals("false")) {
          throw bad(k, src, "must be true or false, not '" + v + "'");
        }
      } else {
        tokens.add(o.longestName() + "=" + v);
      }
    }
    return tokens;
  }

  private static void check(Supplier<Object> fresh, List<String> tokens, String k, Source src) {
    if (tokens.isEmpty()) {
      return;
    }
    try {
      new CommandLine(fresh.get()).parseArgs(tokens.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw bad(k, src, e.getMessage());
    }
  }

  private static IllegalArgumentException bad(String k, Source src, String problem) {
    return new IllegalArgumentException("setting '" + k + "' (from " + src + "): " + problem);
  }

  private static List<String> splitList(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  private static boolean nonBlank(String s) {
    return s != null && !s.isBlank();
  }

  /** " (did you mean 'x'?)" for the known key nearest to a typo, or "". */
  static String suggestion(String typo, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(typo, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, typo.length() / 3)
        ? " (did you mean '" + best + "'?)"
        : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
