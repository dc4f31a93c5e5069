package dev.acgs.sandbox.runtime.runc;

import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import dev.acgs.sandbox.core.seccomp.Syscalls;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.monitor.ViolationWatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * runc's violation source: seccomp user notification. The profile's catalogue rules use
 * {@code SCMP_ACT_NOTIFY} with a {@code listenerPath} in the bundle; runc connects there during
 * {@code create} and passes the container's notification fd (SCM_RIGHTS). Each notification names
 * the call, its six arguments and the calling process; it is answered EPERM, so the call is blocked
 * and seen, exactly attributed (one fd per container). If this listener is gone, the kernel answers
 * such calls ENOSYS: still blocked.
 *
 * <p>System calls through the Foreign Function &amp; Memory API: socket, bind, listen, poll, accept,
 * recvmsg, ioctl, close.
 */
@SuppressWarnings("restricted")
final class SeccompNotifyListener implements ViolationWatch {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final MethodHandle SOCKET = fn("socket", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
  private static final MethodHandle BIND = fn("bind", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
  private static final MethodHandle LISTEN = fn("listen", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
  private static final MethodHandle ACCEPT = fn("accept", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
  private static final MethodHandle POLL = fn("poll", ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
  private static final MethodHandle RECVMSG = fn("recvmsg", ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
  private static final MethodHandle IOCTL = fn("ioctl", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
  private static final MethodHandle CLOSE = fn("close", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);

  static final long NOTIF_RECV = 0xC0502100L; // _IOWR('!', 0, struct seccomp_notif), 80 bytes
  static final long NOTIF_SEND = 0xC0182101L; // _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes
  static final int EPERM = 1;
  private static final short POLLIN = 1;

  private final String sandboxId;
  private final Consumer<ViolationEvent> sink;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final int listenFd;
  private volatile int notifyFd = -1;
  private final Thread thread;

  private static MethodHandle fn(String name, ValueLayout ret, ValueLayout... args) {
    return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), FunctionDescriptor.of(ret, args));
  }

  /** Listens on {@code socketPath} (in the bundle) before {@code runc create} runs. */
  SeccompNotifyListener(String sandboxId, Path socketPath, Consumer<ViolationEvent> sink) {
    this.sandboxId = sandboxId;
    this.sink = sink;
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) SOCKET.invokeExact(1, 1 | 0x80000, 0); // AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC
      if (fd < 0) {
        throw new SandboxFailedException("cannot create the seccomp listener socket");
      }
      MemorySegment addr = arena.allocate(110);
      addr.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
      byte[] path = socketPath.toString().getBytes(StandardCharsets.UTF_8);
      if (path.length > 107) {
        throw new SandboxFailedException("seccomp listener path too long: " + socketPath);
      }
      MemorySegment.copy(MemorySegment.ofArray(path), 0, addr, 2, path.length);
      if ((int) BIND.invokeExact(fd, addr, 110) != 0 || (int) LISTEN.invokeExact(fd, 1) != 0) {
        int ignored = (int) CLOSE.invokeExact(fd);
        throw new SandboxFailedException("cannot listen on " + socketPath + " for seccomp notifications");
      }
      listenFd = fd;
    } catch (SandboxFailedException e) {
      throw e;
    } catch (Throwable t) {
      throw new SandboxFailedException("cannot set up the seccomp listener: " + t, t);
    }
    thread = Thread.ofPlatform().daemon().name("seccomp-notify-" + sandboxId).stackSize(256 * 1024).start(this::run);
  }

  private void run() {
    try (Arena arena = Arena.ofConfined()) {
      if (!waitReadable(arena, listenFd, 60_000)) {
        return;
      }
      int conn = (int) ACCEPT.invokeExact(listenFd, MemorySegment.NULL, MemorySegment.NULL);
      if (conn < 0) {
        return;
      }
      notifyFd = receiveFd(arena, conn);
      int ignored = (int) CLOSE.invokeExact(conn);
      if (notifyFd < 0) {
        return;
      }
      MemorySegment notif = arena.allocate(80, 8);
      MemorySegment resp = arena.allocate(24, 8);
      while (!closed.get()) {
        if (!waitReadable(arena, notifyFd, 200)) {
          continue;
        }
        notif.fill((byte) 0);
        if ((int) IOCTL.invokeExact(notifyFd, NOTIF_RECV, notif) != 0) {
          if (closed.get()) {
            return;
          }
          continue; // the caller died before we read it (ENOENT), or the container is gone
        }
        long id = notif.get(ValueLayout.JAVA_LONG, 0);
        int hostPid = notif.get(ValueLayout.JAVA_INT, 8);
        int nr = notif.get(ValueLayout.JAVA_INT, 16);
        List<Long> args = new ArrayList<>(6);
        for (int i = 0; i < 6; i++) {
          args.add(notif.get(ValueLayout.JAVA_LONG, 32 + 8L * i));
        }
        // record while the caller waits in the kernel: its /proc entries are still there, and the
        // event exists before the call returns (so before the command can end)
        sink.accept(event(nr, hostPid, args));
        resp.fill((byte) 0);
        resp.set(ValueLayout.JAVA_LONG, 0, id);
        resp.set(ValueLayout.JAVA_INT, 16, -EPERM);
        int ignoredSend = (int) IOCTL.invokeExact(notifyFd, NOTIF_SEND, resp); // fails only if the caller died
      }
    } catch (Throwable t) {
      // the listener ends with its sandbox
    } finally {
      closeFd(notifyFd);
      closeFd(listenFd);
    }
  }

  private ViolationEvent event(int nr, int hostPid, List<Long> args) {
    long[] nspid = nsPid(hostPid);
    Optional<String> comm = readComm(hostPid);
    ViolationEvent base = ViolationEvent.denied(sandboxId, "runc", nr, nspid[0], nspid[1], Instant.now());
    Optional<DangerousSyscalls.Entry> e = DangerousSyscalls.byNumber(nr);
    return new ViolationEvent(base.sandboxId(), base.runtime(), Syscalls.name(nr).orElse("syscall_" + nr), nr, Optional.of(args),
        base.pid(), base.tid(), comm, "denied", base.category(), base.severity(), base.time());
  }

  /** The caller's pid and tid as the sandbox sees them (innermost NSpid), from the host pid. */
  private static long[] nsPid(int hostTid) {
    long pid = -1;
    long tid = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(hostTid), "status"))) {
        if (line.startsWith("NSpid:")) {
          String[] f = line.split("\\s+");
          tid = Long.parseLong(f[f.length - 1]);
        } else if (line.startsWith("NStgid:")) {
          String[] f = line.split("\\s+");
          pid = Long.parseLong(f[f.length - 1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone already: ids unknown
    }
    return new long[] {pid, tid};
  }

  private static Optional<String> readComm(int hostPid) {
    try {
      return Optional.of(Files.readString(Path.of("/proc", Integer.toString(hostPid), "comm")).strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean waitReadable(Arena arena, int fd, int timeoutMs) throws Throwable {
    MemorySegment pfd = arena.allocate(8, 4);
    pfd.set(ValueLayout.JAVA_INT, 0, fd);
    pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
    pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
    int n = (int) POLL.invokeExact(pfd, 1L, timeoutMs);
    return n > 0 && (pfd.get(ValueLayout.JAVA_SHORT, 6) & POLLIN) != 0;
  }

  /** recvmsg with room for runc's state JSON and one SCM_RIGHTS fd. */
  private static int receiveFd(Arena arena, int conn) throws Throwable {
    MemorySegment data = arena.allocate(1 << 16);
    MemorySegment iov = arena.allocate(16, 8);
    iov.set(ValueLayout.ADDRESS, 0, data);
    iov.set(ValueLayout.JAVA_LONG, 8, data.byteSize());
    MemorySegment control = arena.allocate(64, 8);
    MemorySegment msg = arena.allocate(56, 8);
    msg.set(ValueLayout.ADDRESS, 16, iov);
    msg.set(ValueLayout.JAVA_LONG, 24, 1);
    msg.set(ValueLayout.ADDRESS, 32, control);
    msg.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
    long n = (long) RECVMSG.invokeExact(conn, msg, 0x40000000); // MSG_CMSG_CLOEXEC
    if (n < 0 || msg.get(ValueLayout.JAVA_LONG, 40) < 20) {
      return -1;
    }
    int level = control.get(ValueLayout.JAVA_INT, 8);
    int type = control.get(ValueLayout.JAVA_INT, 12);
    return level == 1 && type == 1 ? control.get(ValueLayout.JAVA_INT, 16) : -1; // SOL_SOCKET, SCM_RIGHTS
  }

  private static void closeFd(int fd) {
    if (fd >= 0) {
      try {
        int ignored = (int) CLOSE.invokeExact(fd);
      } catch (Throwable t) {
        // nothing more to do
      }
    }
  }

  @Override
  public void drain() {
    // notifications are answered as they come: the caller waits for our answer, so none is pending
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
