package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.runtime.RuntimeConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --state-dir}, shared by every command that touches sandboxes or images. */
public final class StateOptions {
  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Where images and sandbox state live (default: $SANDBOXCTL_STATE_DIR or ${DEFAULT-VALUE}).",
      defaultValue = "${env:SANDBOXCTL_STATE_DIR:-/var/lib/sandboxctl}")
  Path stateDir;

  public RuntimeConfig config() {
    return RuntimeConfig.of(stateDir);
  }
}
