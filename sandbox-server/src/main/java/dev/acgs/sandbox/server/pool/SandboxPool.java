package dev.acgs.sandbox.server.pool;

import dev.acgs.sandbox.runtime.Sandbox;
import java.util.Optional;

/** Sandboxes of one template made ahead; each is handed to one claim only and never returned. */
public interface SandboxPool extends AutoCloseable {
  Template template();

  /** A ready sandbox, removed from the pool for good; empty when none is ready. */
  Optional<Sandbox> claim();

  WarmPool.State state();

  /** Stops refilling and destroys what is still in the pool. */
  @Override
  void close();
}
