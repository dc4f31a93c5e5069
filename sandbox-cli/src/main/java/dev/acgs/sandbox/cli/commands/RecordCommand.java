package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import dev.acgs.sandbox.core.monitor.ViolationPolicy;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sandboxctl profile record}: learn mode. The workload runs once in gVisor with the Sentry
 * tracing every call (under {@code baseline}, so dangerous calls stay denied while learning), the
 * calls it made become a minimal allowlist, and the workload runs again under that allowlist to show
 * that it is enough.
 */
@Command(name = "record", mixinStandardHelpOptions = true, description = {
    "Learn mode: runs CMD in gVisor with every system call traced (under the baseline profile, so dangerous",
    "calls are still denied while learning), writes a profile allowing only the calls it made (never more",
    "than enhanced allows), then runs CMD again under the new profile, on gVisor and runc, to check it is enough.",
    "Use the profile with `sandboxctl run --profile FILE`: a call the workload never made is denied and reported.",
    "",
    "Example:  sandboxctl profile record -o my-task.json -- python3 -c 'import json; print(json.dumps([1]))'"})
public final class RecordCommand implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Where to write the profile (OCI/Docker seccomp JSON).")
  Path output;

  @Option(names = "--image", defaultValue = "default", paramLabel = "NAME", description = "Image to run CMD in (default: ${DEFAULT-VALUE}).")
  String image;

  @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION", description = "Per run (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "Program and arguments, after --.")
  List<String> command;

  @Override
  public Integer call() throws IOException {
    java.time.Duration limit = dev.acgs.sandbox.core.model.Durations.parsePositive("--timeout", timeout);
    SandboxSpec learning = SandboxSpec.builder().image(image).seccompProfile("baseline")
        .violationPolicy(ViolationPolicy.LOG).build();
    SortedSet<String> used;
    try (SandboxRuntime rt = SandboxRuntime.create(RuntimeKind.GVISOR, state.config().withRecording(true))) {
      rt.checkAvailable();
      System.err.println("sandboxctl: recording " + String.join(" ", command) + " (gVisor, every call traced)...");
      try (Sandbox s = rt.create(learning)) {
        ExecResult r = s.exec(ExecRequest.of(limit, command.toArray(String[]::new)), Output.streamingToTerminal());
        if (r.exitCode() != 0 || r.termination().isPresent()) {
          Output.explain(r, ExecRequest.of(limit, command.toArray(String[]::new)));
          System.err.println("sandboxctl: the workload failed while recording (exit " + r.exitCode()
              + "); no profile written. Fix the command first: `sandboxctl run --profile baseline -- CMD` shows the same run.");
          return 1;
        }
        used = s.recordedSyscalls().orElseThrow(() -> new SandboxFailedException("gVisor recorded nothing"));
        List<String> deniedWhileLearning = r.violations().stream().map(ViolationEvent::syscall).distinct().toList();
        if (!deniedWhileLearning.isEmpty()) {
          System.err.println("sandboxctl: denied while learning (left denied): " + deniedWhileLearning);
        }
      }
    }
    SeccompProfile profile = SeccompProfiles.recorded(used);
    SortedSet<String> leftOut = SeccompProfiles.leftOut(used);
    Files.writeString(output, SeccompProfiles.toJson(profile) + "\n");
    long allowed = profile.syscalls().stream().filter(r -> r.action().equals("SCMP_ACT_ALLOW"))
        .flatMap(r -> r.names().stream()).distinct().count();
    System.err.printf("sandboxctl: wrote %s: %d calls seen, %d allowed%s%n", output, used.size(), allowed,
        leftOut.isEmpty() ? "" : "; left out (enhanced denies them too): " + String.join(", ", leftOut));

    for (RuntimeKind kind : RuntimeKind.local()) {
      try (SandboxRuntime rt = SandboxRuntime.create(kind, state.config())) {
        try {
          rt.checkAvailable();
        } catch (SandboxFailedException e) {
          System.err.println("sandboxctl: not checked on " + kind.wireName() + ": " + e.getMessage());
          continue;
        }
        System.err.println("sandboxctl: checking: the same command under the recorded profile on " + kind.wireName() + "...");
        try (Sandbox s = rt.create(SandboxSpec.builder().image(image).seccompProfile(profile)
            .violationPolicy(ViolationPolicy.LOG).build())) {
          ExecResult r = s.exec(ExecRequest.of(limit, command.toArray(String[]::new)), ExecIo.NONE);
          if (r.exitCode() != 0 || !r.violations().isEmpty()) {
            System.err.printf("sandboxctl: on %s, under the recorded profile the command exited %d with denied calls %s:"
                + " a run can take paths the recorded one did not; record a run that covers them.%n", kind.wireName(),
                r.exitCode(), r.violations().stream().map(ViolationEvent::syscall).distinct().collect(Collectors.toList()));
            return 1;
          }
        }
      }
    }
    System.err.println("sandboxctl: ok: the command runs under " + output + " with no denied call");
    return 0;
  }
}
