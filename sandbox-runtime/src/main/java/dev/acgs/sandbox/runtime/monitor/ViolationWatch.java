package dev.acgs.sandbox.runtime.monitor;

/** A runtime's report channel for one sandbox's denied calls. Closing it stops the watching. */
public interface ViolationWatch extends AutoCloseable {
  /** Reads whatever the runtime has reported so far, now (called when a command ends). */
  void drain();

  @Override
  void close();
}
