package dev.acgs.sandbox.core.monitor;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.acgs.sandbox.core.seccomp.DangerousSyscalls;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One system call the sandbox's seccomp profile denied, as its runtime reported it.
 *
 * @param sandboxId the sandbox it happened in: exact, from that sandbox's own report channel
 * @param runtime gvisor or runc
 * @param syscall the call's name (x86_64), or {@code syscall_N} if the table lacks it
 * @param number the call's number
 * @param args arguments, when the runtime reports them
 * @param pid process id inside the sandbox
 * @param tid thread id inside the sandbox
 * @param processName the process's name, when the runtime reports it
 * @param action what happened to the call: {@code denied}
 * @param category the dangerous-catalogue category, when the call is catalogued
 * @param severity the catalogue severity, when catalogued
 * @param time when the runtime reported it
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record ViolationEvent(
    String sandboxId,
    String runtime,
    String syscall,
    int number,
    Optional<List<Long>> args,
    long pid,
    long tid,
    Optional<String> processName,
    String action,
    Optional<String> category,
    Optional<String> severity,
    Instant time) {

  /** Classifies a denied call number against the catalogue. */
  public static ViolationEvent denied(String sandboxId, String runtime, int number, long pid, long tid, Instant time) {
    Optional<DangerousSyscalls.Entry> e = DangerousSyscalls.byNumber(number);
    String name = dev.acgs.sandbox.core.seccomp.Syscalls.name(number).orElse("syscall_" + number);
    return new ViolationEvent(sandboxId, runtime, name, number, Optional.empty(), pid, tid, Optional.empty(), "denied",
        e.map(x -> x.category().label()), e.map(x -> x.severity().label()), time);
  }

  public boolean critical() {
    return severity.filter("critical"::equals).isPresent();
  }
}
