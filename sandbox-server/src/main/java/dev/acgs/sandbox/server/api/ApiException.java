package dev.acgs.sandbox.server.api;

import dev.acgs.sandbox.core.SandboxException;
import java.util.Optional;

/**
 * An error the API reports as JSON {@code {"code", "message", "field"}} with an HTTP status.
 * {@code code} is stable for programs; {@code message} says what was wrong and how to fix it.
 */
public class ApiException extends SandboxException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String code;
  private final String field;

  public ApiException(int status, String code, String message, String field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  public static ApiException badRequest(String code, String field, String message) {
    return new ApiException(400, code, message, field);
  }

  public static ApiException notFound(String what) {
    return new ApiException(404, "not_found", what, null);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
