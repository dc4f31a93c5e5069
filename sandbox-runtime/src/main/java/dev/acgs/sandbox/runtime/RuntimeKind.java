package dev.acgs.sandbox.runtime;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where sandboxes run. gVisor is the default: a user-space kernel between the code and the host's.
 * gVisor and runc are local (this host's runtimes); {@link #KUBERNETES} runs sandboxes as pods on a
 * cluster with a gVisor or Kata RuntimeClass, driven through the Kubernetes API by the controller.
 */
public enum RuntimeKind {
  GVISOR("gvisor", "runsc", "runsc"),
  RUNC("runc", "runc", "runc"),
  KUBERNETES("kubernetes", "kubectl", "kubernetes-client");

  private final String wireName;
  private final String binary;
  private final String debianPackage;

  RuntimeKind(String wireName, String binary, String debianPackage) {
    this.wireName = wireName;
    this.binary = binary;
    this.debianPackage = debianPackage;
  }

  /** The runtimes of this host, the ones {@link SandboxRuntime#create} makes. */
  public static List<RuntimeKind> local() {
    return List.of(GVISOR, RUNC);
  }

  public boolean isLocal() {
    return this != KUBERNETES;
  }

  public String wireName() {
    return wireName;
  }

  /** The executable's name, looked up in PATH. */
  public String binary() {
    return binary;
  }

  public String debianPackage() {
    return debianPackage;
  }

  public static RuntimeKind parse(String text) {
    for (RuntimeKind k : values()) {
      if (k.wireName.equalsIgnoreCase(text) || k.binary.equalsIgnoreCase(text)) {
        return k;
      }
    }
    throw new InvalidSpecException(
        "runtime",
        "unknown runtime '" + text + "': choose one of "
            + Arrays.stream(values()).map(RuntimeKind::wireName).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
