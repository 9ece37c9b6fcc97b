package io.quiver.format;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The file formats and extra decoders installed: {@link FileFormat}s and additional {@link
 * UnitDecoder}s (such as the Arrow C++ backed one) found with {@link ServiceLoader}, or given
 * explicitly.
 *
 * <p>Immutable and thread-safe.
 */
public final class FormatRegistry {
  private final Map<String, FileFormat> formats = new LinkedHashMap<>();
  private final Map<String, Map<String, UnitDecoder>> decoders = new LinkedHashMap<>();

  /**
   * @throws IllegalArgumentException if two formats share a name or two decoders of one format
   *     share a name
   */
  public FormatRegistry(Iterable<FileFormat> fileFormats, Iterable<UnitDecoder> extraDecoders) {
    for (FileFormat f : fileFormats) {
      if (formats.putIfAbsent(f.name(), f) != null) {
        throw new IllegalArgumentException("Two file formats are named " + f.name());
      }
      add(f.defaultDecoder());
    }
    for (UnitDecoder d : extraDecoders) {
      if (!formats.containsKey(d.format())) {
        continue; // a decoder for a format this build does not have
      }
      add(d);
    }
  }

  private void add(UnitDecoder d) {
    Map<String, UnitDecoder> byName =
        decoders.computeIfAbsent(d.format(), k -> new LinkedHashMap<>());
    if (byName.putIfAbsent(d.name(), d) != null) {
      throw new IllegalArgumentException("Two " + d.format() + " decoders are named " + d.name());
    }
  }

  /** Every format and decoder on the class path. */
  public static FormatRegistry loadInstalled() {
    return new FormatRegistry(
        ServiceLoader.load(FileFormat.class), ServiceLoader.load(UnitDecoder.class));
  }

  /** Format names, in discovery order. */
  public List<String> formatNames() {
    return List.copyOf(formats.keySet());
  }

  /**
   * @throws IllegalArgumentException naming the formats there are, if {@code name} is not one
   */
  public FileFormat format(String name) {
    FileFormat f = formats.get(name.toLowerCase(Locale.ROOT));
    if (f == null) {
      throw new IllegalArgumentException(
          "Unknown file format '"
              + name
              + "' (supported: "
              + String.join(", ", formatNames())
              + ")");
    }
    return f;
  }

  /** The format whose extension {@code fileName} has, if any. */
  public Optional<FileFormat> formatOf(String fileName) {
    return formats.values().stream().filter(f -> f.matches(fileName)).findFirst();
  }

  /** Decoder names of {@code format}, the default first. */
  public List<String> decoderNames(String format) {
    return List.copyOf(decoders.getOrDefault(format, Collections.emptyMap()).keySet());
  }

  /** Every decoder name any format has, the union, in discovery order. */
  public List<String> allDecoderNames() {
    List<String> names = new ArrayList<>();
    decoders
        .values()
        .forEach(m -> m.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add));
    return names;
  }

  /**
   * The decoder named {@code decoder} for {@code format} if it exists and supports the columns,
   * otherwise the format's default decoder (a format without a native decoder uses its own).
   */
  public UnitDecoder decoder(
      String format, String decoder, FileMetadata metadata, List<String> columns) {
    FileFormat f = format(format);
    if (decoder != null) {
      UnitDecoder d = decoders.getOrDefault(f.name(), Map.of()).get(decoder);
      if (d != null && d.supports(metadata, columns)) {
        return d;
      }
    }
    return f.defaultDecoder();
  }
}
