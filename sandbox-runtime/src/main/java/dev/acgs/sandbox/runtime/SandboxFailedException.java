package dev.acgs.sandbox.runtime;

import dev.acgs.sandbox.core.SandboxException;

/** A runtime operation failed; the message carries the runtime's own words and the way out. */
public class SandboxFailedException extends SandboxException {
  private static final long serialVersionUID = 1L;

  public SandboxFailedException(String message) {
    super(message);
  }

  public SandboxFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
