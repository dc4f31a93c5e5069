package dev.acgs.sandbox.core.model;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.time.Duration;

/**
 * What one sandbox may consume. Enforced by the host: cgroups for cpu, memory and pids; a
 * size-limited tmpfs for /tmp; rlimits for open files; a wall-clock timer for the timeout.
 *
 * @param cpus CPU quota in cores (1.5 = one and a half cores)
 * @param memory memory limit including /tmp contents; exceeding it OOM-kills the sandbox only
 * @param pids maximum number of processes and threads (fork bombs stop here)
 * @param tmpSize size of the writable, non-executable /tmp
 * @param openFiles RLIMIT_NOFILE
 * @param timeout wall-clock limit of one command; when it passes the whole sandbox is killed
 */
public record ResourceLimits(
    double cpus, ByteSize memory, int pids, ByteSize tmpSize, int openFiles, Duration timeout) {

  /** The smallest memory a sandbox can run Python in. */
  public static final ByteSize MIN_MEMORY = ByteSize.ofMiB(32);

  public static final ResourceLimits DEFAULT =
      new ResourceLimits(1.0, ByteSize.ofMiB(512), 128, ByteSize.ofMiB(64), 1024, Duration.ofSeconds(60));

  public ResourceLimits {
    if (memory == null || tmpSize == null || timeout == null) {
      throw new InvalidSpecException("limits", "memory, tmpSize and timeout are required");
    }
    if (!(cpus >= 0.01 && cpus <= 1024)) {
      throw new InvalidSpecException("limits.cpus", "must be between 0.01 and 1024 cores (got " + cpus + ")");
    }
    if (memory.compareTo(MIN_MEMORY) < 0) {
      throw new InvalidSpecException("limits.memory", "must be at least " + MIN_MEMORY + " (got " + memory + ")");
    }
    if (pids < 8 || pids > 1_000_000) {
      throw new InvalidSpecException("limits.pids", "must be between 8 and 1000000 (got " + pids + ")");
    }
    if (tmpSize.bytes() < 1024 * 1024 || tmpSize.compareTo(memory) > 0) {
      throw new InvalidSpecException(
          "limits.tmpSize",
          "must be at least 1Mi and at most the memory limit " + memory + " (got " + tmpSize
              + "): /tmp lives in memory");
    }
    if (openFiles < 64 || openFiles > 1_048_576) {
      throw new InvalidSpecException("limits.openFiles", "must be between 64 and 1048576 (got " + openFiles + ")");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new InvalidSpecException("limits.timeout", "must be positive (got " + Durations.format(timeout) + ")");
    }
  }

  public ResourceLimits withCpus(double v) {
    return new ResourceLimits(v, memory, pids, tmpSize, openFiles, timeout);
  }

  public ResourceLimits withMemory(ByteSize v) {
    return new ResourceLimits(cpus, v, pids, v.compareTo(tmpSize) < 0 ? v : tmpSize, openFiles, timeout);
  }

  public ResourceLimits withPids(int v) {
    return new ResourceLimits(cpus, memory, v, tmpSize, openFiles, timeout);
  }

  public ResourceLimits withTmpSize(ByteSize v) {
    return new ResourceLimits(cpus, memory, pids, v, openFiles, timeout);
  }

  public ResourceLimits withOpenFiles(int v) {
    return new ResourceLimits(cpus, memory, pids, tmpSize, v, timeout);
  }

  public ResourceLimits withTimeout(Duration v) {
    return new ResourceLimits(cpus, memory, pids, tmpSize, openFiles, v);
  }

  /**
   * Refuses limits above the operator's maxima, naming the maximum so the caller can ask again.
   *
   * @return this, for chaining
   */
  public ResourceLimits requireWithin(LimitMaxima max) {
    if (cpus > max.cpus()) {
      throw new InvalidSpecException("limits.cpus", "asks for " + cpus + " cores; the maximum is " + max.cpus());
    }
    if (memory.compareTo(max.memory()) > 0) {
      throw new InvalidSpecException("limits.memory", "asks for " + memory + "; the maximum is " + max.memory());
    }
    if (pids > max.pids()) {
      throw new InvalidSpecException("limits.pids", "asks for " + pids + "; the maximum is " + max.pids());
    }
    if (tmpSize.compareTo(max.tmpSize()) > 0) {
      throw new InvalidSpecException("limits.tmpSize", "asks for " + tmpSize + "; the maximum is " + max.tmpSize());
    }
    if (openFiles > max.openFiles()) {
      throw new InvalidSpecException("limits.openFiles", "asks for " + openFiles + "; the maximum is " + max.openFiles());
    }
    if (timeout.compareTo(max.timeout()) > 0) {
      throw new InvalidSpecException(
          "limits.timeout",
          "asks for " + Durations.format(timeout) + "; the maximum is " + Durations.format(max.timeout()));
    }
    return this;
  }
}
