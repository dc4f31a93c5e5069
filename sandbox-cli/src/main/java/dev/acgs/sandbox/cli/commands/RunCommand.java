package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sandboxctl run}: one command in a fresh sandbox that is destroyed afterwards. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs CMD in a new hardened sandbox and streams its output; the sandbox is removed after.",
      "Exits with CMD's exit code (124 on timeout, 137 when killed for memory or processes).",
      "",
      "Example:  sandboxctl run --runtime runc --memory 256m --timeout 10s -- python3 -c 'print(6*7)'"
    })
public final class RunCommand implements Callable<Integer> {
  @Mixin StateOptions state;
  @Mixin SpecOptions opts;

  @Option(names = {"-i", "--interactive"}, description = "Pass this process's stdin to CMD.")
  boolean interactive;

  @Option(names = "--max-output", paramLabel = "SIZE", defaultValue = "8m",
      description = "Keep at most this much of stdout and of stderr each; more is dropped and reported (default: ${DEFAULT-VALUE}).")
  String maxOutput;

  @Option(names = "--json", description = "Print one JSON result (exitCode, stdout, stderr, ...) instead of streaming.")
  boolean json;

  @Option(names = "--timings", description = "Print how long the sandbox took to start and the command to run, on stderr.")
  boolean timings;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "Program and arguments, after --.")
  List<String> command;

  @picocli.CommandLine.ParentCommand dev.acgs.sandbox.cli.Main main;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec cmdSpec;

  @Override
  public Integer call() {
    if (main != null && main.server != null && !main.server.isBlank()) {
      return RemoteRun.run(main.server, main.token, cmdSpec.commandLine().getParseResult(), opts, command,
          ByteSize.parse("--max-output", maxOutput).bytes(), json, interactive);
    }
    SandboxSpec spec = opts.toSpec(command);
    ExecRequest req = new ExecRequest(command, Map.of(), Optional.empty(), spec.limits().timeout(),
        ByteSize.parse("--max-output", maxOutput).bytes());
    try (SandboxRuntime runtime = SandboxRuntime.create(opts.runtimeKind(), state.config())) {
      Thread cleanup = new Thread(runtime::close, "sandboxctl-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
      try {
        runtime.reapOrphans();
        try (Sandbox sandbox = runtime.create(spec)) {
          ExecIo io = json ? ExecIo.NONE : Output.streamingToTerminal();
          if (interactive) {
            io = io.withStdin(System.in);
          }
          ExecResult r = sandbox.exec(req, io);
          if (json) {
            Map<String, Object> out = Output.resultJson(sandbox.id(), runtime.kind().wireName(), r);
            out.put("startMs", sandbox.startDuration().toNanos() / 1e6);
            Output.printJson(out);
          } else {
            Output.explain(r, req);
          }
          if (timings) {
            System.err.printf("sandboxctl: %s sandbox started in %.1f ms; command ran in %.1f ms%n",
                runtime.kind(), sandbox.startDuration().toNanos() / 1e6, r.duration().toNanos() / 1e6);
          }
          return Output.exitCode(r);
        }
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
          // the hook is already running
        }
      }
    }
  }
}
