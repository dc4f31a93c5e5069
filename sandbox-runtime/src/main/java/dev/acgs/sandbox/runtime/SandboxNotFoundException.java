package dev.acgs.sandbox.runtime;

/** No sandbox with that id exists in this state directory. */
public class SandboxNotFoundException extends SandboxFailedException {
  private static final long serialVersionUID = 1L;

  public SandboxNotFoundException(String id) {
    super("no sandbox '" + id + "' here: `sandboxctl ps` lists the sandboxes that exist");
  }
}
