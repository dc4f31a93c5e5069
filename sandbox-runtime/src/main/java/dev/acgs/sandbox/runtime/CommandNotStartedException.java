package dev.acgs.sandbox.runtime;

/** The sandbox could not start the command: no such program in the image, bad directory, no permission. */
public class CommandNotStartedException extends SandboxFailedException {
  private static final long serialVersionUID = 1L;

  public CommandNotStartedException(String message) {
    super(message);
  }
}
