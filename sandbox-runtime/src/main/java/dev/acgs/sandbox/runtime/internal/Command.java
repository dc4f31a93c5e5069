package dev.acgs.sandbox.runtime.internal;

import dev.acgs.sandbox.runtime.SandboxFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a short host command (runsc, runc, mkfs...) with a deadline, capturing bounded output. */
public final class Command {
  private static final int MAX_CAPTURE = 64 * 1024;

  /**
   * What a finished command printed.
   *
   * @param spawn how long the JVM took to fork and exec the command (part of every runtime call's cost)
   */
  public record Result(List<String> argv, int exitCode, String stdout, String stderr, Duration spawn) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** stderr, or stdout when stderr is empty, trimmed for an error message. */
    public String diagnostics() {
      String text = (stderr.isBlank() ? stdout : stderr).strip();
      return text.length() > 2000 ? text.substring(0, 2000) + " [...]" : text;
    }
  }

  private Command() {}

  public static Result run(List<String> argv, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    long t0 = System.nanoTime();
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new SandboxFailedException("cannot start " + argv.getFirst() + ": " + e.getMessage(), e);
    }
    Duration spawn = Duration.ofNanos(System.nanoTime() - t0);
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        throw new SandboxFailedException(
            String.join(" ", argv) + " did not finish within " + timeout.toMillis() + " ms and was killed");
      }
      return new Result(List.copyOf(argv), p.exitValue(), out.join(), err.join(), spawn);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SandboxFailedException("interrupted while running " + argv.getFirst(), e);
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try (in) {
        byte[] kept = in.readNBytes(MAX_CAPTURE);
        in.transferTo(java.io.OutputStream.nullOutputStream());
        f.complete(new String(kept, StandardCharsets.UTF_8));
      } catch (IOException e) {
        f.completeExceptionally(new UncheckedIOException(e));
      }
    });
    return f;
  }
}
