package dev.acgs.sandbox.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.acgs.sandbox.cli.Main;
import dev.acgs.sandbox.core.model.Durations;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.runtime.ExecIo;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** How commands print: streamed output, JSON documents, and the exit code a result maps to. */
public final class Output {
  public static final ObjectMapper JSON =
      new ObjectMapper().findAndRegisterModules()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private Output() {}

  public static void printJson(Object value) {
    try {
      System.out.println(JSON.writeValueAsString(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Streams sandbox output to this process's stdout and stderr as it arrives. */
  public static ExecIo streamingToTerminal() {
    return ExecIo.streaming(writer(System.out), writer(System.err));
  }

  private static Consumer<byte[]> writer(PrintStream out) {
    return chunk -> {
      synchronized (out) {
        out.write(chunk, 0, chunk.length);
        out.flush();
      }
    };
  }

  /** Tells the user, on stderr, what happened to the command besides its own exit. */
  public static void explain(ExecResult r, ExecRequest req) {
    for (var v : r.violations()) {
      System.err.println("sandboxctl: violation: " + v.syscall() + " (" + v.number() + ") denied for pid " + v.pid()
          + v.severity().map(s -> ", " + s).orElse("") + v.category().map(c -> " " + c).orElse(""));
    }
    if (r.stdoutTruncated() || r.stderrTruncated()) {
      System.err.println("sandboxctl: output was truncated at " + req.maxOutputBytes()
          + " bytes per stream (raise it with --max-output)");
    }
    r.termination().ifPresent(t -> System.err.println("sandboxctl: " + switch (t) {
      case TIMEOUT -> "timed out after " + Durations.format(req.timeout()) + "; the sandbox was killed (raise it with --timeout)";
      case OOM -> "out of memory: the memory limit was reached and the kernel killed the command (raise it with --memory)";
      case PIDS_LIMIT -> "the process limit was reached and the sandbox was killed (raise it with --pids)";
      case POLICY_VIOLATION -> "the sandbox was killed by the violation policy: it attempted "
          + r.violations().stream().filter(dev.acgs.sandbox.core.monitor.ViolationEvent::critical).map(v -> v.syscall())
              .findFirst().orElse("a critical system call");
      case SANDBOX_DIED -> "the sandbox died while the command ran";
    }));
  }

  /**
   * run/exec exit with the command's code; a timeout gives 124 as timeout(1) does; a policy kill
   * gives 137 even when the command got to finish first (the sandbox is gone either way).
   */
  public static int exitCode(ExecResult r) {
    if (r.timedOut()) {
      return Main.EXIT_TIMEOUT;
    }
    return r.termination().filter(t -> t == ExecResult.Termination.POLICY_VIOLATION).isPresent() ? 137 : r.exitCode();
  }

  public static Map<String, Object> resultJson(String sandboxId, String runtime, ExecResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sandboxId", sandboxId);
    m.put("runtime", runtime);
    m.put("exitCode", r.exitCode());
    r.signal().ifPresent(s -> m.put("signal", s));
    m.put("stdout", new String(r.stdout(), StandardCharsets.UTF_8));
    m.put("stderr", new String(r.stderr(), StandardCharsets.UTF_8));
    m.put("stdoutTruncated", r.stdoutTruncated());
    m.put("stderrTruncated", r.stderrTruncated());
    m.put("durationMs", r.duration().toNanos() / 1e6);
    m.put("termination", r.termination().map(t -> t.name().toLowerCase(java.util.Locale.ROOT)).orElse(null));
    m.put("violations", r.violations());
    return m;
  }
}
