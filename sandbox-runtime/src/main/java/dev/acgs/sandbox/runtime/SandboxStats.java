package dev.acgs.sandbox.runtime;

import java.time.Duration;

/**
 * Resource use read from the sandbox's cgroup.
 *
 * @param memoryBytes memory charged now (for gVisor: the Sentry and gofer, which hold the sandbox's memory)
 * @param memoryLimitBytes the limit in force
 * @param cpuTime CPU time used so far
 * @param pids processes and threads now
 * @param oomKills times the kernel's OOM killer acted in this sandbox
 * @param pidsLimitHits times a fork or thread creation was refused by the pids limit
 */
public record SandboxStats(
    long memoryBytes, long memoryLimitBytes, Duration cpuTime, long pids, long oomKills, long pidsLimitHits) {}
