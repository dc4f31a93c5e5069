package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.runtime.Sandbox;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Destroys many sandboxes at once. A gVisor destroy waits ~1.8 s for the ptrace platform to let
 * go of the sandbox (BENCHMARKS.md), so removing 500 one by one would take a quarter of an hour;
 * the wait is idle, so a bounded number run side by side.
 */
final class SandboxReaper {
  private SandboxReaper() {}

  /** Closes every sandbox in {@code sandboxes} and empties it; safe to call twice (close is idempotent). */
  static void destroyAll(List<Sandbox> sandboxes, int parallelism) {
    List<Sandbox> todo;
    synchronized (sandboxes) {
      todo = new ArrayList<>(sandboxes);
      sandboxes.clear();
    }
    if (todo.isEmpty()) {
      return;
    }
    System.err.printf("destroying %d sandboxes...%n", todo.size());
    ExecutorService pool = Executors.newFixedThreadPool(parallelism);
    for (Sandbox s : todo) {
      pool.submit(() -> {
        try {
          s.close();
        } catch (RuntimeException e) {
          System.err.println("could not remove " + s.id() + ": " + e.getMessage());
        }
      });
    }
    pool.shutdown();
    try {
      if (!pool.awaitTermination(30, TimeUnit.MINUTES)) {
        System.err.println("some sandboxes were still being removed after 30 minutes; `sandboxctl rm` or reap them");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
