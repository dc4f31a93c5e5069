package dev.acgs.sandbox.runtime.runc;

import dev.acgs.sandbox.runtime.RuntimeConfig;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.oci.OciRuntime;
import java.util.List;

/**
 * Hardened runc: the Docker-equivalent baseline. Sandboxed code makes real host system calls,
 * filtered by seccomp. On top of the hardened spec each sandbox gets its own user namespace and host
 * id range, so its uid 1000 is a host uid no other sandbox has.
 */
public final class RuncRuntime extends OciRuntime {
  public RuncRuntime(RuntimeConfig config) {
    super(RuntimeKind.RUNC, config);
  }

  @Override
  protected List<String> globalFlags() {
    return List.of();
  }

  @Override
  protected boolean usesUserNamespace() {
    return true;
  }
}
