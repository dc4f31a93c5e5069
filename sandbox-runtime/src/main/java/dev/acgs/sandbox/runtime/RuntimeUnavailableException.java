package dev.acgs.sandbox.runtime;

/** The runtime cannot be used on this host (binary missing, not root, ...). Says how to fix it. */
public class RuntimeUnavailableException extends SandboxFailedException {
  private static final long serialVersionUID = 1L;

  public RuntimeUnavailableException(String message) {
    super(message);
  }
}
