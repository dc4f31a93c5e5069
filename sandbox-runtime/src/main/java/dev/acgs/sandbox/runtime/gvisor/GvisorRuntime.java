package dev.acgs.sandbox.runtime.gvisor;

import dev.acgs.sandbox.runtime.RuntimeConfig;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.oci.OciRuntime;
import java.util.List;

/**
 * gVisor: the sandboxed code talks to the Sentry, a kernel written in Go running in user space,
 * and never to the host kernel's system calls directly.
 *
 * <p>Flags: {@code --platform=ptrace} (KVM is not available in nested VMs such as this one);
 * {@code --network=none} (the sandbox's network stack has loopback only); {@code --oci-seccomp}
 * (without it runsc ignores the spec's seccomp profile). User namespaces are not used: the Sentry
 * keeps its own uids, and its host processes already run in a separate user namespace as nobody.
 */
public final class GvisorRuntime extends OciRuntime {
  static final List<String> FLAGS = List.of("--platform=ptrace", "--network=none", "--oci-seccomp");

  public GvisorRuntime(RuntimeConfig config) {
    super(RuntimeKind.GVISOR, config);
  }

  @Override
  protected List<String> globalFlags() {
    return FLAGS;
  }

  @Override
  protected boolean usesUserNamespace() {
    return false;
  }
}
