package dev.acgs.sandbox.core;

/** A value given for a sandbox (spec, limit, request) is not acceptable. Names the field. */
public class InvalidSpecException extends SandboxException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidSpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The offending field, e.g. {@code limits.memory}. */
  public String field() {
    return field;
  }
}
