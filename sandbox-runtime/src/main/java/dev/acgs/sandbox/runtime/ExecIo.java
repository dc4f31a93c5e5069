package dev.acgs.sandbox.runtime;

import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Streams attached to one command: stdin to feed it (read until end of file), and listeners that
 * receive stdout and stderr chunks as the sandbox produces them (bounded by the request's limit).
 */
public record ExecIo(Optional<InputStream> stdin, Consumer<byte[]> stdout, Consumer<byte[]> stderr) {
  public static final ExecIo NONE = new ExecIo(Optional.empty(), b -> {}, b -> {});

  public static ExecIo streaming(Consumer<byte[]> stdout, Consumer<byte[]> stderr) {
    return new ExecIo(Optional.empty(), stdout, stderr);
  }

  public ExecIo withStdin(InputStream in) {
    return new ExecIo(Optional.of(in), stdout, stderr);
  }
}
