package dev.acgs.sandbox.core.monitor;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.util.Locale;

/**
 * What the controller does when a sandbox's seccomp profile denies a call. Every violation is
 * recorded whatever the policy; {@link #TERMINATE} also kills the sandbox on a critical one.
 */
public enum ViolationPolicy {
  /** Record it. */
  LOG,
  /** Record it and raise it as an alert (metrics, events). */
  ALERT,
  /** Record, alert, and kill the sandbox when the call is in the catalogue's critical category. The default. */
  TERMINATE;

  public static ViolationPolicy parse(String field, String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidSpecException(field, "'" + text + "' is not a violation policy: use log, alert or terminate");
    }
  }
}
