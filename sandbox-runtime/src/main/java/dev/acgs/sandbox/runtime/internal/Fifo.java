package dev.acgs.sandbox.runtime.internal;

import dev.acgs.sandbox.runtime.SandboxFailedException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** mkfifo(3) through the Foreign Function &amp; Memory API: the JDK has no named pipes. */
@SuppressWarnings("restricted")
public final class Fifo {
  private static final MethodHandle MKFIFO;
  private static final MethodHandle STRERROR;

  static {
    Linker linker = Linker.nativeLinker();
    MKFIFO =
        linker.downcallHandle(
            linker.defaultLookup().find("mkfifo").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    STRERROR =
        linker.downcallHandle(
            linker.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  }

  private Fifo() {}

  /** Creates a named pipe readable and writable by its owner only. */
  public static void create(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
      MemorySegment name = arena.allocateFrom(path.toString());
      int rc = (int) MKFIFO.invokeExact(state, name, 0600);
      if (rc != 0) {
        int errno =
            (int) Linker.Option.captureStateLayout()
                .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"))
                .get(state, 0L);
        MemorySegment msg = ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256);
        throw new SandboxFailedException("cannot create the pipe " + path + ": " + msg.getString(0));
      }
    } catch (SandboxFailedException e) {
      throw e;
    } catch (Throwable t) {
      throw new SandboxFailedException("cannot create the pipe " + path + ": " + t, t);
    }
  }
}
