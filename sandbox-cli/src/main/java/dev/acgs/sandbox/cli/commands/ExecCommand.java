package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.core.model.ByteSize;
import dev.acgs.sandbox.core.model.Durations;
import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxNotFoundException;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.runtime.oci.OciRuntime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sandboxctl exec}: one more command in a sandbox made by {@code create}. */
@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    description = {"Runs CMD in a sandbox made by `sandboxctl create` and exits with its exit code.",
        "Example:  sandboxctl exec acgs-0123abcd -- python3 -c 'print(1)'"})
public final class ExecCommand implements Callable<Integer> {
  @Mixin StateOptions state;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
      description = "Wall-clock limit; then the whole sandbox is killed (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--max-output", paramLabel = "SIZE", defaultValue = "8m",
      description = "Keep at most this much of stdout and of stderr each (default: ${DEFAULT-VALUE}).")
  String maxOutput;

  @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Set an environment variable (repeatable).")
  List<String> env = List.of();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the sandbox.")
  String workdir;

  @Option(names = {"-i", "--interactive"}, description = "Pass this process's stdin to CMD.")
  boolean interactive;

  @Option(names = "--json", description = "Print one JSON result instead of streaming.")
  boolean json;

  @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id (see `sandboxctl ps`).")
  String id;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "Program and arguments, after --.")
  List<String> command;

  @Override
  public Integer call() {
    ExecRequest req = new ExecRequest(command, SpecOptions.pairs("--env", env), Optional.ofNullable(workdir),
        Durations.parsePositive("--timeout", timeout), ByteSize.parse("--max-output", maxOutput).bytes());
    RuntimeKind kind = OciRuntime.runtimeOf(state.config(), id).orElseThrow(() -> new SandboxNotFoundException(id));
    try (SandboxRuntime runtime = SandboxRuntime.create(kind, state.config()); Sandbox s = runtime.open(id)) {
      ExecIo io = json ? ExecIo.NONE : Output.streamingToTerminal();
      if (interactive) {
        io = io.withStdin(System.in);
      }
      ExecResult r = s.exec(req, io);
      if (json) {
        Output.printJson(Output.resultJson(id, kind.wireName(), r));
      } else {
        Output.explain(r, req);
      }
      return Output.exitCode(r);
    }
  }
}
