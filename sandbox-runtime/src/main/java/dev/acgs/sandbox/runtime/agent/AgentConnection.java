package dev.acgs.sandbox.runtime.agent;

import dev.acgs.sandbox.runtime.SandboxFailedException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The controller's side of the framed protocol spoken by the sandbox agent (see acgs-init.c): one
 * reader thread dispatches frames to the commands in flight; writes are serialised. What arrives
 * is untrusted (sandboxed code could try to forge it): sizes are bounded and unknown ids ignored.
 */
public final class AgentConnection implements AutoCloseable {
  static final int EXEC = 1;
  static final int STDIN = 2;
  static final int STDIN_CLOSE = 3;
  static final int SIGNAL = 4;
  static final int READY = 101;
  static final int STARTED = 102;
  static final int STDOUT = 103;
  static final int STDERR = 104;
  static final int EXITED = 105;
  static final int FAILED = 106;

  /** Largest frame the agent sends (its read buffer is 64 KiB). */
  static final int MAX_FRAME = 1 << 20;

  static final int STDIN_CHUNK = 32 * 1024;

  /** Callbacks of one command. */
  public interface Listener {
    void started(int pid);

    void stdout(byte[] chunk);

    void stderr(byte[] chunk);

    void exited(int code, int signal, boolean stdoutTruncated, boolean stderrTruncated);

    /** The command could not start (no such program, bad directory...). */
    void failed(String message);

    /** The sandbox went away before the command ended. */
    void lost(String why);
  }

  private final InputStream in;
  private final OutputStream out;
  private final Map<Integer, Listener> inFlight = new ConcurrentHashMap<>();
  /** Ids start at a random point so a re-attached connection never claims a stale command's frames. */
  private final AtomicInteger nextId = new AtomicInteger(1 + new java.util.Random().nextInt(1 << 30));
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Object writeLock = new Object();
  private volatile String lostReason = "the sandbox agent closed its connection";

  /**
   * @param fromAgent the agent's stdout
   * @param toAgent the agent's stdin
   */
  public AgentConnection(String name, InputStream fromAgent, OutputStream toAgent) {
    this.in = fromAgent;
    this.out = toAgent;
    // A platform thread: a blocking read of a pipe would pin a virtual thread's carrier, and
    // hundreds of idle sandboxes would exhaust the carrier pool.
    Thread.ofPlatform().daemon().name("agent-reader-" + name).stackSize(256 * 1024).start(this::readLoop);
  }

  /** Waits for the agent's hello. Fails fast when the agent dies first. */
  public String awaitReady(Duration timeout) throws TimeoutException {
    try {
      return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new SandboxFailedException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxFailedException("interrupted while waiting for the sandbox agent", e);
    }
  }

  public boolean isOpen() {
    return !closed.isDone();
  }

  /** Completes when the agent's output ends (the sandbox stopped or was killed). */
  public CompletableFuture<Void> closedFuture() {
    return closed;
  }

  /** Starts a command; returns its id, to which stdin and signals can then be sent. */
  public int start(List<String> argv, List<String> env, String cwd, long maxOutputBytes, Listener listener) {
    int id = nextId.getAndIncrement();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    head.putInt(argv.size()).putInt(env.size()).putLong(maxOutputBytes);
    body.writeBytes(head.array());
    putString(body, cwd);
    argv.forEach(a -> putString(body, a));
    env.forEach(e -> putString(body, e));
    inFlight.put(id, listener);
    if (!isOpen()) {
      inFlight.remove(id);
      listener.lost(lostReason);
      return id;
    }
    send(EXEC, id, body.toByteArray(), 0, body.size());
    return id;
  }

  /** Copies {@code stdin} to the command until end of file, then closes its stdin. */
  public void feed(int id, InputStream stdin) throws IOException {
    byte[] buf = new byte[STDIN_CHUNK];
    for (int n; (n = stdin.read(buf)) > 0; ) {
      if (!inFlight.containsKey(id)) {
        return;
      }
      send(STDIN, id, buf, 0, n);
    }
    send(STDIN_CLOSE, id, new byte[0], 0, 0);
  }

  public void closeStdin(int id) {
    send(STDIN_CLOSE, id, new byte[0], 0, 0);
  }

  public void signal(int id, int signo) {
    byte[] p = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(signo).array();
    send(SIGNAL, id, p, 0, 4);
  }

  private static void putString(ByteArrayOutputStream body, String s) {
    body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    body.write(0);
  }

  private void send(int type, int id, byte[] payload, int off, int len) {
    ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    h.put((byte) type).put((byte) 0).putShort((short) 0).putInt(id).putInt(len);
    synchronized (writeLock) {
      try {
        out.write(h.array());
        out.write(payload, off, len);
        out.flush();
      } catch (IOException e) {
        // the agent is gone; the reader reports it to every command in flight
      }
    }
  }

  private void readLoop() {
    byte[] head = new byte[12];
    try {
      while (true) {
        readFully(head);
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int type = h.get() & 0xff;
        h.get();
        h.getShort();
        int id = h.getInt();
        int len = h.getInt();
        if (len < 0 || len > MAX_FRAME) {
          throw new IOException("the sandbox agent sent a frame of " + Integer.toUnsignedString(len) + " bytes");
        }
        byte[] p = new byte[len];
        readFully(p);
        dispatch(type, id, p);
      }
    } catch (IOException e) {
      if (!(e instanceof EOFException)) {
        lostReason = "connection to the sandbox agent failed: " + e.getMessage();
      }
    } catch (RuntimeException e) {
      lostReason = "the sandbox agent broke the protocol: " + e;
    } finally {
      ready.completeExceptionally(new SandboxFailedException(lostReason));
      closed.complete(null);
      for (Integer id : List.copyOf(inFlight.keySet())) {
        Listener l = inFlight.remove(id);
        if (l != null) {
          l.lost(lostReason);
        }
      }
      try {
        in.close();
      } catch (IOException ignored) {
        // already broken
      }
    }
  }

  private void dispatch(int type, int id, byte[] p) {
    if (type == READY) {
      ready.complete(new String(p, StandardCharsets.UTF_8));
      return;
    }
    Listener l = inFlight.get(id);
    if (l == null) {
      return;
    }
    ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case STARTED -> l.started(p.length >= 4 ? b.getInt() : -1);
      case STDOUT -> l.stdout(p);
      case STDERR -> l.stderr(p);
      case EXITED -> {
        inFlight.remove(id);
        if (p.length < 10) {
          l.lost("the sandbox agent sent a malformed exit report");
        } else {
          l.exited(b.getInt(), b.getInt(), b.get() != 0, b.get() != 0);
        }
      }
      case FAILED -> {
        inFlight.remove(id);
        l.failed(new String(p, StandardCharsets.UTF_8));
      }
      default -> { /* unknown frame types are ignored */ }
    }
  }

  private void readFully(byte[] b) throws IOException {
    int off = 0;
    while (off < b.length) {
      int n = in.read(b, off, b.length - off);
      if (n < 0) {
        throw new EOFException();
      }
      off += n;
    }
  }

  /** Stops talking to the agent; the agent exits when its stdin closes. */
  @Override
  public void close() {
    synchronized (writeLock) {
      try {
        out.close();
      } catch (IOException ignored) {
        // closing a broken pipe
      }
    }
    try {
      in.close();
    } catch (IOException ignored) {
      // closing a broken pipe
    }
  }
}
