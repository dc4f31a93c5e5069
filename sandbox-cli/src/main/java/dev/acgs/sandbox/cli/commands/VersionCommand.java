package dev.acgs.sandbox.cli.commands;

import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.internal.Binaries;
import dev.acgs.sandbox.runtime.internal.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.IVersionProvider;

/** {@code sandboxctl version}: this build and the runtimes it finds. */
@picocli.CommandLine.Command(name = "version", mixinStandardHelpOptions = true, description = "Prints the versions of sandboxctl, Java and the runtimes.")
public final class VersionCommand implements Callable<Integer> {
  public static final String VERSION = "0.1.0";

  @Override
  public Integer call() {
    for (String line : lines()) {
      System.out.println(line);
    }
    return 0;
  }

  public static List<String> lines() {
    List<String> out = new ArrayList<>();
    out.add("sandboxctl " + VERSION + " (Java " + Runtime.version() + ")");
    for (RuntimeKind k : RuntimeKind.local()) {
      out.add(k.binary() + ": " + runtimeVersion(k));
    }
    return out;
  }

  public static String runtimeVersion(RuntimeKind k) {
    return Binaries.findRuntime(k)
        .map(p -> {
          Command.Result r = Command.run(List.of(p.toString(), "--version"), Duration.ofSeconds(10));
          return r.ok() ? r.stdout().lines().findFirst().orElse("?").strip() : "broken: " + r.diagnostics();
        })
        .orElse("not installed (apt-get install -y " + k.debianPackage() + ")");
  }

  /** For {@code sandboxctl --version}. */
  public static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines().toArray(String[]::new);
    }
  }
}
