package dev.acgs.sandbox.runtime;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one sandbox's start spent its time, phase by phase in the order they ran; the phases add
 * up to {@link Sandbox#startDuration()}. Recorded on every start (a few {@code nanoTime} calls) so
 * that {@code sandboxctl bench startup --breakdown} measures the real code path, not a copy of it.
 */
public record StartPhases(Map<String, Duration> phases) {
  public StartPhases {
    phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
  }

  /** Records phases as consecutive intervals: each {@link #mark} closes the interval since the last. */
  public static final class Clock {
    private final Map<String, Duration> phases = new LinkedHashMap<>();
    private long last = System.nanoTime();

    /** Ends the current phase, naming it, and starts the next one now. */
    public void mark(String phase) {
      long now = System.nanoTime();
      phases.merge(phase, Duration.ofNanos(now - last), Duration::plus);
      last = now;
    }

    /** Adds a phase measured elsewhere, moving the time out of the current interval into it. */
    public void split(String phase, Duration took) {
      phases.merge(phase, took, Duration::plus);
      last += took.toNanos();
    }

    public StartPhases snapshot() {
      return new StartPhases(phases);
    }
  }
}
