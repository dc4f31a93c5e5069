package dev.acgs.sandbox.runtime;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Host-side settings of a local runtime.
 *
 * @param stateDir where images, sandbox bundles and bookkeeping live (default /var/lib/sandboxctl)
 * @param startTimeout how long create-and-start may take before the sandbox is declared failed
 * @param monitorViolations whether denied calls are reported (on by default; off only to measure
 *     what monitoring costs, in {@code sandboxctl bench violations})
 * @param recordSyscalls learn mode: every call made inside each sandbox is recorded (gVisor only,
 *     through the Sentry's strace; slow — for {@code sandboxctl profile record}, never for serving)
 */
public record RuntimeConfig(Path stateDir, Duration startTimeout, boolean monitorViolations, boolean recordSyscalls) {

  public RuntimeConfig(Path stateDir, Duration startTimeout) {
    this(stateDir, startTimeout, true, false);
  }

  public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/sandboxctl");

  public RuntimeConfig {
    stateDir = stateDir.toAbsolutePath().normalize();
  }

  public static RuntimeConfig defaults() {
    return of(DEFAULT_STATE_DIR);
  }

  public static RuntimeConfig of(Path stateDir) {
    return new RuntimeConfig(stateDir, Duration.ofSeconds(30));
  }

  public RuntimeConfig withMonitoring(boolean on) {
    return new RuntimeConfig(stateDir, startTimeout, on, recordSyscalls);
  }

  /** Learn mode on or off; recording needs monitoring, so it turns monitoring on. */
  public RuntimeConfig withRecording(boolean on) {
    return new RuntimeConfig(stateDir, startTimeout, monitorViolations || on, on);
  }
}
