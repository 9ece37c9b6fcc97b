package io.quiver.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quiver.catalog.Mount;
import io.quiver.server.config.Settings;
import java.io.PrintWriter;
import java.util.Collection;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code quiver config show [serve options]}: prints the configuration {@code quiver serve} would
 * run with for the same options, environment and config file — every setting with the source it
 * came from (flag, environment variable, file or default), secrets masked — after the same checks
 * start-up makes, so a bad setting fails here first with the same one-line error (exit 2).
 *
 * <p>The output is YAML with the sources as comments; hashes and secrets read {@code ****}.
 */
public final class ConfigShow {
  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build();

  private ConfigShow() {}

  public static void main(String[] args) {
    if (args.length == 0 || !args[0].equals("show")) {
      System.err.println(
          "usage: quiver config show [quiver serve options]  (prints the effective configuration)");
      System.exit(2);
    }
    System.exit(
        commandLine(System.getenv()).execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
  }

  /**
   * The command over the options of {@code quiver serve} (after {@code show}). Output and errors go
   * to the command line's out and err writers.
   */
  static CommandLine commandLine(Map<String, String> env) {
    CommandLine cli = ServerMain.commandLine(env);
    cli.setCommandName("quiver config show");
    cli.setExecutionStrategy(
        parsed ->
            ServerMain.run(
                parsed,
                env,
                effective -> show(effective, parsed.commandSpec().commandLine().getOut())));
    return cli;
  }

  /** Prints {@code effective}'s configuration; returns the exit code. */
  static int show(ServerMain effective, PrintWriter out) throws JsonProcessingException {
    QuiverServer.Config config = effective.config(); // the checks start-up makes
    Settings settings = effective.settings();
    out.println("# quiver serve: effective configuration");
    out.println("# precedence: flag > environment (QUIVER_*) > config file > default");
    out.println(
        "# config file: "
            + (settings.file() == null
                ? "none"
                : settings.file() + " (from " + settings.fileSource() + ")"));
    CommandLine.Model.CommandSpec spec = new CommandLine(effective).getCommandSpec();
    for (Map.Entry<String, Settings.Source> e : settings.sources().entrySet()) {
      String key = e.getKey();
      ObjectNode one = YAML.createObjectNode();
      one.set(key, node(key, spec.findOption("--" + key).getValue()));
      String text = YAML.writeValueAsString(one).stripTrailing();
      int eol = text.indexOf('\n');
      String comment = "  # " + e.getValue();
      out.println(
          eol < 0 ? text + comment : text.substring(0, eol) + comment + text.substring(eol));
    }
    ObjectNode security = config.security().describe();
    security.remove("allow-local");
    out.println("# security settings (config file only)");
    out.println(YAML.writeValueAsString(security).stripTrailing());
    out.flush();
    return 0;
  }

  /** A setting's value as YAML; strings under a secret-looking key masked like mount options. */
  private static JsonNode node(String key, Object value) {
    if (value == null) {
      return YAML.getNodeFactory().nullNode();
    }
    if (value instanceof Number || value instanceof Boolean) {
      return YAML.valueToTree(value);
    }
    if (value instanceof Collection<?> c) {
      ArrayNode list = YAML.createArrayNode();
      c.forEach(x -> list.add(node(key, x)));
      return list;
    }
    return YAML.getNodeFactory().textNode(Mount.mask(Map.of(key, value.toString())).get(key));
  }
}
