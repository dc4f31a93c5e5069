package dev.acgs.sandbox.cli;

import dev.acgs.sandbox.cli.bench.BenchCommand;
import dev.acgs.sandbox.cli.commands.AuditCommand;
import dev.acgs.sandbox.cli.commands.CreateCommand;
import dev.acgs.sandbox.cli.commands.DoctorCommand;
import dev.acgs.sandbox.cli.commands.PentestCommand;
import dev.acgs.sandbox.cli.commands.ExecCommand;
import dev.acgs.sandbox.cli.commands.ImageCommand;
import dev.acgs.sandbox.cli.commands.ProfileCommand;
import dev.acgs.sandbox.cli.commands.PsCommand;
import dev.acgs.sandbox.cli.commands.RmCommand;
import dev.acgs.sandbox.cli.commands.RunCommand;
import dev.acgs.sandbox.cli.commands.ServeCommand;
import dev.acgs.sandbox.cli.commands.VersionCommand;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.runtime.CommandNotStartedException;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.core.SandboxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sandboxctl}: runs untrusted code in hardened, kernel-isolated sandboxes. */
@Command(
    name = "sandboxctl",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = {
      "Runs untrusted (AI-agent) code in hardened, kernel-isolated sandboxes:",
      "gVisor (runsc) by default, hardened runc as the baseline.",
      "",
      "Quick start (as root):  sandboxctl image build && sandboxctl run -- python3 -c 'print(6*7)'"
    },
    subcommands = {
      RunCommand.class, CreateCommand.class, ExecCommand.class, PsCommand.class, RmCommand.class,
      ImageCommand.class, ProfileCommand.class, ServeCommand.class, AuditCommand.class, BenchCommand.class, PentestCommand.class, DoctorCommand.class,
      VersionCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success (for run/exec: the command's own exit code is passed through)",
      "2:invalid input (the message names the option and what is allowed)",
      "124:the command timed out; its sandbox was killed",
      "125:sandboxctl or the runtime failed (the message says how to fix it)",
      "127:the command was not found in the image",
      "137:the command was killed (out of memory, process limit, or a critical syscall under the terminate policy)"
    })
public final class Main implements Runnable {
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_TIMEOUT = 124;
  public static final int EXIT_FAILURE = 125;
  public static final int EXIT_NOT_FOUND = 127;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = "--server", paramLabel = "URL", defaultValue = "${env:SANDBOXCTL_SERVER}", scope = CommandLine.ScopeType.INHERIT,
      description = "Send `run` to this controller (e.g. http://127.0.0.1:8080) instead of the local runtime.")
  public String server;

  @CommandLine.Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:SANDBOXCTL_TOKEN}", scope = CommandLine.ScopeType.INHERIT,
      description = "Bearer token for --server (better: $SANDBOXCTL_TOKEN, which does not show in ps).")
  public String token;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      int code;
      if (ex instanceof InvalidSpecException) {
        code = EXIT_USAGE;
      } else if (ex instanceof CommandNotStartedException) {
        code = EXIT_NOT_FOUND;
      } else if (ex instanceof RuntimeUnavailableException || ex instanceof SandboxException) {
        code = EXIT_FAILURE;
      } else {
        line.getErr().println("sandboxctl: internal error: " + ex);
        ex.printStackTrace(line.getErr());
        return EXIT_FAILURE;
      }
      line.getErr().println("sandboxctl: " + ex.getMessage());
      return code;
    });
    cl.setExitCodeExceptionMapper(ex -> EXIT_USAGE);
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
