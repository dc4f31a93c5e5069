package dev.acgs.sandbox.core.model;

import dev.acgs.sandbox.core.InvalidSpecException;

/**
 * What a sandbox may reach on the network. {@link #NONE}, the default, gives the sandbox its own
 * network namespace holding only a loopback interface.
 */
public enum NetworkPolicy {
  NONE("none");

  private final String wireName;

  NetworkPolicy(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static NetworkPolicy parse(String field, String text) {
    for (NetworkPolicy p : values()) {
      if (p.wireName.equalsIgnoreCase(text == null ? "" : text.trim())) {
        return p;
      }
    }
    throw new InvalidSpecException(
        field,
        "network policy '" + text + "' is not supported: the only policy is 'none'"
            + " (a private network namespace with loopback only); sandboxes get no network access");
  }
}
