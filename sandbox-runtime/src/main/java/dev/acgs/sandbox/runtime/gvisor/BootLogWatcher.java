package dev.acgs.sandbox.runtime.gvisor;

import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.runtime.monitor.ViolationWatch;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gVisor's violation source: with {@code --debug --debug-command=boot --debug-log=DIR/} each
 * sandbox's Sentry writes its own boot log, and every call its seccomp filter denies appears there as
 * {@code [ tgid: tid] Syscall N: denied by seccomp}. Attribution to the sandbox is exact (one log per
 * sandbox). One thread polls every watched log; what it reads is untrusted input and bounded per
 * line.
 */
final class BootLogWatcher {
  static final Pattern DENIED = Pattern.compile("\\[\\s*(\\d+):\\s*(\\d+)\\] Syscall (\\d+): denied by seccomp");
  private static final int MAX_LINE = 4096;
  private static final long POLL_MS = 10;

  private final Map<String, Watched> watched = new ConcurrentHashMap<>();
  private volatile Thread poller;

  private final class Watched implements ViolationWatch {
    final String sandboxId;
    final Path dir;
    final Consumer<ViolationEvent> sink;
    Path file;
    long offset;
    final StringBuilder partial = new StringBuilder();

    Watched(String sandboxId, Path dir, Consumer<ViolationEvent> sink) {
      this.sandboxId = sandboxId;
      this.dir = dir;
      this.sink = sink;
    }

    @Override
    public synchronized void drain() {
      try {
        if (file == null) {
          try (var files = Files.list(dir)) {
            file = files.filter(p -> p.getFileName().toString().endsWith(".boot.txt")).findFirst().orElse(null);
          }
          if (file == null) {
            return;
          }
        }
        long size = Files.size(file);
        // read everything written up to now, in bounded chunks: a flooding sandbox can write megabytes
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
          while (offset < size) {
            byte[] chunk = new byte[(int) Math.min(size - offset, 1 << 20)];
            f.seek(offset);
            f.readFully(chunk);
            offset += chunk.length;
            partial.append(new String(chunk, StandardCharsets.UTF_8));
            int nl;
            int from = 0;
            while ((nl = partial.indexOf("\n", from)) >= 0) {
              parse(partial.substring(from, Math.min(nl, from + MAX_LINE)));
              from = nl + 1;
            }
            partial.delete(0, from);
            if (partial.length() > MAX_LINE) {
              partial.setLength(0);
            }
          }
        }
      } catch (IOException e) {
        // the sandbox is being removed: nothing more to read
      }
    }

    private void parse(String line) {
      if (!line.contains("denied by seccomp")) {
        return;
      }
      Matcher m = DENIED.matcher(line);
      if (m.find()) {
        sink.accept(ViolationEvent.denied(sandboxId, "gvisor", Integer.parseInt(m.group(3)),
            Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Instant.now()));
      }
    }

    @Override
    public void close() {
      drain();
      watched.remove(sandboxId);
    }
  }

  ViolationWatch watch(String sandboxId, Path logDir, Consumer<ViolationEvent> sink) {
    Watched w = new Watched(sandboxId, logDir, sink);
    watched.put(sandboxId, w);
    ensurePoller();
    return w;
  }

  private synchronized void ensurePoller() {
    if (poller != null) {
      return;
    }
    poller = Thread.ofPlatform().daemon().name("gvisor-violations").start(() -> {
      while (true) {
        for (Watched w : watched.values()) {
          w.drain();
        }
        try {
          Thread.sleep(POLL_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }
}
