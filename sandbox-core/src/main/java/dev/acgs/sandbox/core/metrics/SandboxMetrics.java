package dev.acgs.sandbox.core.metrics;

import dev.acgs.sandbox.core.monitor.ViolationEvent;
import java.time.Duration;

/**
 * What the controller reports about itself, as events; an implementation turns them into metrics
 * (the server's is Prometheus). Every label value passed here comes from a bounded set: runtime,
 * template and reason names, syscall names, API route patterns — never a sandbox id or a tenant.
 * The default of every method does nothing, so {@link #NONE} costs nothing.
 */
public interface SandboxMetrics {
  SandboxMetrics NONE = new SandboxMetrics() {};

  /** A sandbox was created, cold, taking {@code start} from create to ready; {@code template} may be empty. */
  default void sandboxCreated(String runtime, String template, Duration start) {}

  /** A sandbox was destroyed; {@code reason}: user, ttl, idle, timeout, oom, pids-limit, policy-violation, died, shutdown, pool. */
  default void sandboxDestroyed(String runtime, String reason) {}

  /** A tenant's sandbox was ended by the controller or the tenant, for {@code reason}. */
  default void sandboxTerminated(String reason) {}

  /** A warm sandbox was claimed from the pool of {@code template}. */
  default void poolClaimed(String template, Duration claim) {}

  /** A command ran to its end in a sandbox of {@code runtime}. */
  default void execFinished(String runtime, Duration took) {}

  /**
   * A denied call; {@code action} is what the policy did with it: log, alert or terminate. Called
   * for every event, suppressed ones included.
   */
  default void violation(ViolationEvent event, String action) {}

  /** A violation event counted but not kept (a flooding sandbox). */
  default void violationSuppressed(String runtime) {}

  /** An API request answered; {@code route} is the matched pattern, e.g. /v1/sandboxes/{id}. */
  default void apiRequest(String method, String route, int status) {}

  /** One audit event was written durably. */
  default void auditWritten(Duration took) {}

  /** Sandboxes found on the host that no live record owned, and removed. */
  default void orphansReconciled(String runtime, int count) {}
}
