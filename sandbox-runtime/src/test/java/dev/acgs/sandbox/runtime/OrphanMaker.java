package dev.acgs.sandbox.runtime;

import dev.acgs.sandbox.core.model.SandboxSpec;
import java.nio.file.Path;

/** Run in a child JVM by LifecycleIT: creates a sandbox, prints its id, and waits to be killed. */
public final class OrphanMaker {
  private OrphanMaker() {}

  public static void main(String[] args) throws InterruptedException {
    SandboxRuntime rt = SandboxRuntime.create(RuntimeKind.parse(args[0]), RuntimeConfig.of(Path.of(args[1])));
    Sandbox s = rt.create(SandboxSpec.builder().build());
    System.out.println(s.id());
    System.out.flush();
    Thread.sleep(120_000);
  }
}
