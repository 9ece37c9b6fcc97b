package io.quiver.cli;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Commands that make the secrets a node's config file holds; they never contact a node. */
final class Secrets {
  private Secrets() {}

  /** {@code quiver hash-password}: a bcrypt hash for a user's {@code "password"} entry. */
  @Command(
      name = "hash-password",
      mixinStandardHelpOptions = true,
      description = {
        "Print the bcrypt hash of a password, for a user's \"password\" in the node's --config"
            + " file. Asks twice on a terminal; with --stdin reads one line (for scripts).",
      })
  static final class HashPassword implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--stdin", description = "Read the password from standard input.")
    boolean stdin;

    @Option(names = "--cost", description = "bcrypt cost, 10-16 (default: ${DEFAULT-VALUE}).")
    int cost = 12;

    @Override
    public Integer call() throws IOException {
      PrintWriter err = spec.commandLine().getErr();
      if (cost < 10 || cost > 16) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--cost must be 10..16");
      }
      char[] password;
      if (stdin) {
        String line =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        password = line == null ? new char[0] : line.toCharArray();
      } else {
        java.io.Console console = System.console();
        if (console == null) {
          err.println("quiver: no terminal to ask for the password; use --stdin");
          return 2;
        }
        password = console.readPassword("Password: ");
        char[] again = console.readPassword("Again: ");
        if (password == null || again == null || !Arrays.equals(password, again)) {
          err.println("quiver: the passwords differ");
          return 1;
        }
        Arrays.fill(again, '\0');
      }
      if (password.length < 8) {
        err.println("quiver: a password needs at least 8 characters");
        return 1;
      }
      String hash = BCrypt.withDefaults().hashToString(cost, password);
      Arrays.fill(password, '\0');
      spec.commandLine().getOut().println(hash);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** {@code quiver new-token}: a random API token and the hash the node's config holds. */
  @Command(
      name = "new-token",
      mixinStandardHelpOptions = true,
      description = {
        "Make a random API token for a service. Prints the token (give it to the service, e.g. as"
            + " QUIVER_TOKEN) and the entry for the node's --config file, which holds only its"
            + " SHA-256.",
      })
  static final class NewToken implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "NAME", description = "The token's name, e.g. etl.")
    String name;

    @Option(
        names = "--role",
        description = "Role of the token: reader or admin (default: ${DEFAULT-VALUE}).")
    String role = "reader";

    @Override
    public Integer call() throws NoSuchAlgorithmException {
      byte[] b = new byte[32];
      new SecureRandom().nextBytes(b);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
      String sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(token.getBytes(StandardCharsets.UTF_8)));
      PrintWriter out = spec.commandLine().getOut();
      out.println("token: " + token);
      out.println(
          "config: \"tokens\": {"
              + QuiverCli.JSON.valueToTree(name)
              + ": {\"sha256\": \""
              + sha
              + "\", \"roles\": ["
              + QuiverCli.JSON.valueToTree(role)
              + "]}}");
      out.flush();
      return 0;
    }
  }
}
