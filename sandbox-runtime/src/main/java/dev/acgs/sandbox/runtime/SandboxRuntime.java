package dev.acgs.sandbox.runtime;

import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.gvisor.GvisorRuntime;
import dev.acgs.sandbox.runtime.runc.RuncRuntime;
import java.util.List;

/**
 * Creates and tracks hardened sandboxes on one kind of isolation. Implementations: {@code gvisor}
 * (runsc) and {@code runc}, obtained with {@link #create(RuntimeKind, RuntimeConfig)}, and
 * {@code kubernetes} (module sandbox-kubernetes), made by the controller with a cluster client.
 */
public interface SandboxRuntime extends AutoCloseable {

  static SandboxRuntime create(RuntimeKind kind, RuntimeConfig config) {
    return switch (kind) {
      case GVISOR -> new GvisorRuntime(config);
      case RUNC -> new RuncRuntime(config);
      case KUBERNETES -> throw new RuntimeUnavailableException("sandboxes on Kubernetes are created by the controller:"
          + " give `sandboxctl serve --config FILE` a template with \"runtime\": \"kubernetes\" (README, Kubernetes)");
    };
  }

  RuntimeKind kind();

  /**
   * Creates, starts and waits until the sandbox answers. On any failure nothing is left behind
   * (container, cgroup, bundle, id range) and the exception says why.
   *
   * @throws dev.acgs.sandbox.core.SandboxException with the runtime's own error text
   */
  Sandbox create(SandboxSpec spec);

  /** Same as {@link #create(SandboxSpec)}, but the sandbox outlives this process until removed. */
  Sandbox createDetached(SandboxSpec spec);

  /** Re-attaches to a detached sandbox created earlier; its agent connection is re-opened. */
  Sandbox open(String id);

  /** The sandboxes of this state directory that this runtime holds, live or not. */
  List<SandboxInfo> list();

  /** Removes one sandbox by id, whoever created it. Returns false when there was none. */
  boolean remove(String id);

  /**
   * Removes what crashed processes left: sandboxes whose owning process is gone, runtime
   * containers without a bundle, stray id ranges. Detached sandboxes are kept.
   *
   * @return how many sandboxes were removed
   */
  int reapOrphans();

  /** Checks the runtime can be used here; the message of a failure says how to fix it. */
  void checkAvailable();

  /** Destroys every sandbox this runtime object created and that is still open. Idempotent. */
  @Override
  void close();
}
