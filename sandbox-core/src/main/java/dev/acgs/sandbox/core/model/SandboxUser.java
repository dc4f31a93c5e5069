package dev.acgs.sandbox.core.model;

import dev.acgs.sandbox.core.InvalidSpecException;

/** The uid/gid sandboxed processes run as. Never root. */
public record SandboxUser(int uid, int gid) {
  public static final SandboxUser DEFAULT = new SandboxUser(1000, 1000);

  public SandboxUser {
    if (uid <= 0 || uid > 65533) {
      throw new InvalidSpecException("user.uid", "must be between 1 and 65533 (got " + uid + "); 0 (root) is never allowed");
    }
    if (gid <= 0 || gid > 65533) {
      throw new InvalidSpecException("user.gid", "must be between 1 and 65533 (got " + gid + "); 0 (root) is never allowed");
    }
  }
}
