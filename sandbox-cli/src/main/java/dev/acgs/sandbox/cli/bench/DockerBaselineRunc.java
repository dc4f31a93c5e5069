package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.core.oci.OciSpec;
import dev.acgs.sandbox.runtime.RuntimeConfig;
import dev.acgs.sandbox.runtime.runc.RuncRuntime;
import java.util.List;

/**
 * BENCH ONLY: runc configured the way {@code docker run} leaves a container by default, the
 * reference the overhead of hardening is measured against. It keeps Docker's 14 default
 * capabilities in the bounding, effective and permitted sets, leaves {@code no_new_privs} off, and
 * is given the {@code baseline} seccomp profile (Docker's default) without violation monitoring.
 *
 * <p>It lives in the bench package and is reached only through {@link OciRuntime#adjustOciSpec}, a
 * protected hook: neither RuntimeConfig, nor the server's API or templates, nor any sandboxctl
 * command other than {@code bench overhead} can select it. What it does not copy from Docker: the
 * cgroup limits, masked paths, read-only root and the user namespace stay as the hardened runc
 * has them, so that the comparison isolates seccomp, capabilities and monitoring (a user namespace
 * costs nothing on these workloads' hot paths). Docker's capability-conditional seccomp rules
 * (e.g. {@code chroot} with CAP_SYS_CHROOT) are not added; no workload calls them.
 *
 * @see dev.acgs.sandbox.runtime.oci.OciRuntime#adjustOciSpec
 */
final class DockerBaselineRunc extends RuncRuntime {
  /** Docker's default capability set (moby {@code oci/caps/defaults.go}). */
  static final List<String> DOCKER_DEFAULT_CAPS = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
      "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
      "CAP_AUDIT_WRITE");

  /** The seccomp profile the baseline sandboxes are given: Docker's default. */
  static final String PROFILE = "baseline";

  DockerBaselineRunc(RuntimeConfig config) {
    super(config.withMonitoring(false));
  }

  @Override
  protected OciSpec adjustOciSpec(OciSpec s) {
    OciSpec.Process p = s.process();
    List<String> caps = DOCKER_DEFAULT_CAPS;
    OciSpec.Process docker = new OciSpec.Process(p.terminal(), p.user(), p.args(), p.env(), p.cwd(),
        new OciSpec.Capabilities(caps, caps, List.of(), caps, List.of()), p.rlimits(), false);
    return new OciSpec(s.ociVersion(), docker, s.root(), s.hostname(), s.mounts(), s.linux(), s.annotations());
  }
}
