package dev.acgs.sandbox.runtime.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.acgs.sandbox.runtime.internal.Processes;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Who a sandbox belongs to, written to {@code owner.json} in its bundle before the container exists.
 * A sandbox whose owner process is gone is an orphan and is removed at the next start-up; a detached
 * sandbox (from {@code sandboxctl create}) has no owner process and stays until removed.
 *
 * @param pid owning process, empty when detached
 * @param startTime that process's start time (clock ticks), against pid reuse
 * @param idRange the user-namespace id range the sandbox holds, if any
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record Ownership(
    String id,
    String runtime,
    String image,
    Instant createdAt,
    Optional<Long> pid,
    Optional<Long> startTime,
    Optional<Integer> idRange,
    Map<String, String> labels) {

  public static Ownership ofThisProcess(
      String id, String runtime, String image, Optional<Integer> idRange, Map<String, String> labels) {
    long pid = Processes.self();
    return new Ownership(
        id, runtime, image, Instant.now(), Optional.of(pid),
        Optional.of(Processes.startTime(pid).orElse(0)), idRange, labels);
  }

  public Ownership detached() {
    return new Ownership(id, runtime, image, createdAt, Optional.empty(), Optional.empty(), idRange, labels);
  }

  public boolean isDetached() {
    return pid.isEmpty();
  }

  /** True when the owner process has gone: the sandbox is an orphan. */
  public boolean ownerGone() {
    return pid.isPresent() && !Processes.isAlive(pid.get(), startTime.orElse(-1L));
  }

  public String ownerText() {
    return pid.map(p -> "pid " + p).orElse("detached");
  }
}
