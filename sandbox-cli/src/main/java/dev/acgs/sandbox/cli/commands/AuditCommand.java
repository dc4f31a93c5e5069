package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.server.store.AuditLog;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sandboxctl audit verify}. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Checks the controller's audit log.",
    subcommands = AuditCommand.Verify.class)
public final class AuditCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, description = {
      "Re-computes the audit log's hash chain; exits 0 when intact, 1 naming the first edited, removed",
      "or reordered event. Reads the database read-only; a running controller may keep writing."})
  static final class Verify implements Callable<Integer> {
    @Mixin StateOptions state;

    @picocli.CommandLine.Option(names = "--database", paramLabel = "FILE",
        description = "The controller's database (default: STATE-DIR/controller.db).")
    java.nio.file.Path database;

    @Override
    public Integer call() {
      AuditLog.Verification v = AuditLog.verify(database != null ? database : state.config().stateDir().resolve("controller.db"));
      if (v.intact()) {
        System.out.println("audit log intact: " + v.events() + " events");
        return 0;
      }
      System.out.println("audit log BROKEN at " + v.firstBad().get());
      return 1;
    }
  }
}
