package dev.acgs.sandbox.server.service;

import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.server.store.SandboxRecord;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A sandbox this controller holds: its record, its handle, and what the reaper needs. */
final class Live {
  final Sandbox sandbox;
  final Map<String, String> env;
  final double readyMs;
  final boolean fromPool;
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicBoolean ending = new AtomicBoolean();
  volatile SandboxRecord record;
  volatile long lastUsedNanos = System.nanoTime();

  Live(SandboxRecord record, Sandbox sandbox, Map<String, String> env, double readyMs, boolean fromPool) {
    this.record = record;
    this.sandbox = sandbox;
    this.env = Map.copyOf(env);
    this.readyMs = readyMs;
    this.fromPool = fromPool;
  }

  String id() {
    return record.id();
  }

  String tenant() {
    return record.tenant();
  }
}
