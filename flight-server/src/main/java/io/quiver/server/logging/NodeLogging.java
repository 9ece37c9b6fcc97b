package io.quiver.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.status.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Configures the node's logging (Logback) from {@code quiver serve}'s options: the line format
 * (text or JSON lines), where lines go (stderr, or a size-rotated file), and the level of Quiver's
 * own loggers ({@code io.quiver.*} and the scan log {@code quiver.scan}).
 *
 * <p>The defaults (text on stderr at INFO) are what the bundled {@code logback.xml} sets up, so
 * {@link #configure} leaves Logback alone for them, and also when the operator gave Logback a
 * configuration file ({@code -Dlogback.configurationFile}). Library loggers keep the levels of
 * {@code logback.xml} (Arrow, gRPC, Netty, Hadoop, Parquet, ORC: WARN).
 *
 * <p>With a file, every line goes to the file; stderr keeps, as text, the node's start-up and
 * shutdown lines (logger {@code io.quiver.server.QuiverServer}, which include the {@code Quiver
 * listening on ...} line launchers wait for) and every warning and error. That logger stays at INFO
 * even when the level asked for is WARN or ERROR.
 *
 * <p>Logback's configuration is global to the JVM: call this once, before the node starts. Not
 * thread-safe against concurrent calls.
 */
public final class NodeLogging {
  /** The logger whose INFO lines stay on stderr when logging to a file. */
  static final String LIFECYCLE_LOGGER = "io.quiver.server.QuiverServer";

  /** Most files {@code --log-max-files} may keep (Logback's fixed window allows 20 archives). */
  public static final int MAX_FILES_LIMIT = 21;

  /** The format of log lines. */
  public enum Format {
    TEXT,
    JSON;

    /**
     * {@code text} or {@code json}, any case.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Format parse(String s) {
      for (Format f : values()) {
        if (f.name().equalsIgnoreCase(s.strip())) {
          return f;
        }
      }
      throw new IllegalArgumentException("--log-format must be text or json, not '" + s + "'");
    }
  }

  /**
   * What {@code quiver serve}'s logging options asked for.
   *
   * @param file the log file, or null for stderr only
   * @param maxFileBytes the size at which the file is rolled over
   * @param maxFiles how many files to keep, the current one included (2 to {@link
   *     #MAX_FILES_LIMIT})
   * @param level the level of Quiver's own loggers
   */
  public record Settings(Format format, Path file, long maxFileBytes, int maxFiles, Level level) {
    public Settings {
      if (maxFileBytes < 1) {
        throw new IllegalArgumentException("--log-max-size must be at least 1 byte");
      }
      if (maxFiles < 2 || maxFiles > MAX_FILES_LIMIT) {
        throw new IllegalArgumentException(
            "--log-max-files must be between 2 and " + MAX_FILES_LIMIT + ", not " + maxFiles);
      }
    }

    /** Whether these are the defaults the bundled {@code logback.xml} already sets up. */
    boolean isDefault() {
      return format == Format.TEXT && file == null && level == Level.INFO;
    }
  }

  private NodeLogging() {}

  /**
   * {@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN} or {@code ERROR}, any case.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Level parseLevel(String s) {
    String upper = s.strip().toUpperCase(Locale.ROOT);
    return switch (upper) {
      case "TRACE", "DEBUG", "INFO", "WARN", "ERROR" -> Level.toLevel(upper);
      default ->
          throw new IllegalArgumentException(
              "--log-level must be one of TRACE, DEBUG, INFO, WARN, ERROR, not '" + s + "'");
    };
  }

  /**
   * Applies {@code settings} (see the class documentation).
   *
   * @throws IOException if the log file cannot be created or written, naming it
   * @throws IllegalStateException if non-default settings are asked for and Logback is not the
   *     SLF4J provider on the classpath
   */
  public static void configure(Settings settings) throws IOException {
    if (settings.file() != null) {
      checkWritable(settings.file());
    }
    if (settings.isDefault() || System.getProperty("logback.configurationFile") != null) {
      return;
    }
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      throw new IllegalStateException(
          "the logging options need Logback as the SLF4J provider, but it is "
              + factory.getClass().getName());
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    context.getLogger("io.quiver").setLevel(settings.level());
    context.getLogger("quiver").setLevel(settings.level());
    if (settings.level().isGreaterOrEqual(Level.WARN)) {
      root.setLevel(settings.level());
      // Launchers wait for the "Quiver listening on" line: the lifecycle lines stay.
      context.getLogger(LIFECYCLE_LOGGER).setLevel(Level.INFO);
    }
    root.detachAndStopAllAppenders();
    if (settings.file() == null) {
      root.addAppender(console(context, layout(context, settings.format()), false));
      return;
    }
    root.addAppender(rollingFile(context, settings));
    root.addAppender(console(context, layout(context, Format.TEXT), true));
  }

  private static void checkWritable(Path file) throws IOException {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (OutputStream out =
          Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        // Opened for appending: the file can be written.
      }
    } catch (IOException | SecurityException e) {
      throw new IOException("cannot write the log file " + file + ": " + describe(e), e);
    }
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.toString();
  }

  private static Layout<ILoggingEvent> layout(LoggerContext context, Format format) {
    Layout<ILoggingEvent> layout = format == Format.JSON ? new JsonLayout() : new TextLayout();
    layout.setContext(context);
    layout.start();
    return layout;
  }

  private static LayoutWrappingEncoder<ILoggingEvent> encoder(
      LoggerContext context, Layout<ILoggingEvent> layout) {
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.setCharset(java.nio.charset.StandardCharsets.UTF_8);
    encoder.start();
    return encoder;
  }

  private static ConsoleAppender<ILoggingEvent> console(
      LoggerContext context, Layout<ILoggingEvent> layout, boolean lifecycleAndWarningsOnly) {
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("stderr");
    console.setTarget("System.err");
    console.setEncoder(encoder(context, layout));
    if (lifecycleAndWarningsOnly) {
      LifecycleAndWarnings filter = new LifecycleAndWarnings();
      filter.setContext(context);
      filter.start();
      console.addFilter(filter);
    }
    console.start();
    return console;
  }

  private static RollingFileAppender<ILoggingEvent> rollingFile(
      LoggerContext context, Settings settings) throws IOException {
    String file = settings.file().toAbsolutePath().toString();
    RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    appender.setContext(context);
    appender.setName("file");
    appender.setFile(file);
    appender.setAppend(true);
    appender.setEncoder(encoder(context, layout(context, settings.format())));
    FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
    rolling.setContext(context);
    rolling.setParent(appender);
    rolling.setFileNamePattern(file.replace("%", "\\%") + ".%i");
    rolling.setMinIndex(1);
    rolling.setMaxIndex(settings.maxFiles() - 1);
    rolling.start();
    SizeTrigger<ILoggingEvent> trigger = new SizeTrigger<>(settings.maxFileBytes());
    trigger.setContext(context);
    trigger.start();
    appender.setRollingPolicy(rolling);
    appender.setTriggeringPolicy(trigger);
    appender.start();
    if (!appender.isStarted() || !rolling.isStarted()) {
      throw new IOException("cannot write the log file " + file + ": " + lastError(context));
    }
    return appender;
  }

  private static String lastError(LoggerContext context) {
    String message = "Logback refused it";
    for (Status s : context.getStatusManager().getCopyOfStatusList()) {
      if (s.getEffectiveLevel() >= Status.ERROR) {
        message = s.getMessage();
      }
    }
    return message;
  }

  /** Passes the node's start-up and shutdown lines and every warning and error. */
  static final class LifecycleAndWarnings extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
      return event.getLevel().isGreaterOrEqual(Level.WARN)
              || LIFECYCLE_LOGGER.equals(event.getLoggerName())
          ? FilterReply.NEUTRAL
          : FilterReply.DENY;
    }
  }
}
