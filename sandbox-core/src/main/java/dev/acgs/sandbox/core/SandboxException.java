package dev.acgs.sandbox.core;

/**
 * Root of the project's unchecked exceptions. Every message says what failed, what was seen and,
 * where there is one, how to fix it.
 */
public class SandboxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SandboxException(String message) {
    super(message);
  }

  public SandboxException(String message, Throwable cause) {
    super(message, cause);
  }
}
