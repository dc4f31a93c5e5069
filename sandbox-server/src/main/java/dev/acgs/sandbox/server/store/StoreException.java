package dev.acgs.sandbox.server.store;

import dev.acgs.sandbox.core.SandboxException;

/** The embedded database failed; the message names the file and the operation. */
public class StoreException extends SandboxException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
