package dev.acgs.sandbox.runtime;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.monitor.ViolationLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A warm sandbox with a Python interpreter already started in it, waiting on its stdin for the
 * code of the first {@code python3 -c CODE} command. Starting Python is most of what the first
 * command of a claimed gVisor sandbox costs (every one of its thousands of start-up system calls
 * goes through the Sentry); a pool pays it ahead instead.
 *
 * <p>The waiting interpreter runs the code as {@code python3 -c} would: as {@code __main__}, with
 * {@code sys.argv == ['-c']}, an exception printed with its traceback and exit status 1,
 * {@code SystemExit} honoured. It serves one command: later ones, and any the interpreter cannot
 * stand for (environment, working directory, stdin, another output bound), run as usual. The
 * command's own timeout is enforced here: past it the sandbox is killed, as for any command.
 */
public final class PreloadedPython implements Sandbox {
  /** Reads the code until end of input, then runs it; imports nothing the code did not ask for. */
  static final String LOADER = String.join("\n",
      "import sys",
      "code = sys.stdin.read()",
      "sys.argv = ['-c']",
      "sys.stdin = open('/dev/null')",
      "exec(compile(code, '<string>', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__})",
      "");

  /** How long a preloaded interpreter may wait for its command (a pool's sandboxes live less). */
  static final Duration WAIT = Duration.ofHours(24);

  private final Sandbox sandbox;
  private final AtomicBoolean used = new AtomicBoolean();
  private final PipedOutputStream code = new PipedOutputStream();
  private volatile Consumer<byte[]> stdout = b -> {};
  private volatile Consumer<byte[]> stderr = b -> {};
  private final CompletableFuture<ExecResult> result = new CompletableFuture<>();

  private PreloadedPython(Sandbox sandbox) {
    this.sandbox = sandbox;
  }

  /** Starts the waiting interpreter in {@code sandbox}; the returned sandbox owns it. */
  public static PreloadedPython start(Sandbox sandbox) {
    PreloadedPython p = new PreloadedPython(sandbox);
    InputStream in;
    try {
      in = new PipedInputStream(p.code, 64 * 1024);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ExecIo io = new ExecIo(Optional.of(in), b -> p.stdout.accept(b), b -> p.stderr.accept(b));
    Thread.ofVirtual().name("preloaded-python-" + sandbox.id()).start(() -> {
      try {
        p.result.complete(sandbox.exec(new ExecRequest(List.of("python3", "-u", "-c", LOADER), java.util.Map.of(),
            Optional.empty(), WAIT, ExecRequest.DEFAULT_MAX_OUTPUT), io));
      } catch (RuntimeException e) {
        p.result.completeExceptionally(e);
      }
    });
    return p;
  }

  /** Whether the waiting interpreter can stand for this command. */
  boolean servable(ExecRequest r, ExecIo io) {
    return r.argv().size() == 3 && r.argv().get(0).equals("python3") && r.argv().get(1).equals("-c")
        && r.env().isEmpty() && r.workingDir().isEmpty() && io.stdin().isEmpty()
        && r.maxOutputBytes() == ExecRequest.DEFAULT_MAX_OUTPUT && !result.isDone();
  }

  @Override
  public ExecResult exec(ExecRequest request, ExecIo io) {
    if (!servable(request, io) || !used.compareAndSet(false, true)) {
      return sandbox.exec(request, io);
    }
    long t0 = System.nanoTime();
    stdout = io.stdout();
    stderr = io.stderr();
    try (code) {
      code.write(request.argv().get(2).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new SandboxFailedException("cannot hand the command to the preloaded interpreter in " + id(), e);
    }
    try {
      ExecResult r = result.get(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
      return new ExecResult(r.exitCode(), r.signal(), r.stdout(), r.stderr(), r.stdoutTruncated(), r.stderrTruncated(),
          Duration.ofNanos(System.nanoTime() - t0), r.termination(), r.violations());
    } catch (TimeoutException e) {
      sandbox.kill();
      ExecResult r = result.join();
      return new ExecResult(r.exitCode(), r.signal(), r.stdout(), r.stderr(), r.stdoutTruncated(), r.stderrTruncated(),
          Duration.ofNanos(System.nanoTime() - t0), Optional.of(ExecResult.Termination.TIMEOUT), r.violations());
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new SandboxFailedException(e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxFailedException("interrupted while a command ran in " + id(), e);
    }
  }

  @Override
  public String id() {
    return sandbox.id();
  }

  @Override
  public RuntimeKind runtime() {
    return sandbox.runtime();
  }

  @Override
  public SandboxSpec spec() {
    return sandbox.spec();
  }

  @Override
  public Instant createdAt() {
    return sandbox.createdAt();
  }

  @Override
  public Duration startDuration() {
    return sandbox.startDuration();
  }

  @Override
  public Optional<StartPhases> startPhases() {
    return sandbox.startPhases();
  }

  @Override
  public Optional<java.util.SortedSet<String>> recordedSyscalls() {
    return sandbox.recordedSyscalls();
  }

  @Override
  public SandboxStats stats() {
    return sandbox.stats();
  }

  @Override
  public ViolationLog violations() {
    return sandbox.violations();
  }

  @Override
  public boolean isAlive() {
    return sandbox.isAlive();
  }

  @Override
  public void kill() {
    sandbox.kill();
  }

  /** Destroys the sandbox (the waiting interpreter with it). */
  @Override
  public void close() {
    try {
      code.close();
    } catch (IOException ignored) {
      // the interpreter is gone with the sandbox anyway
    }
    sandbox.close();
  }
}
