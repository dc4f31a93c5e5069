package dev.acgs.sandbox.runtime.monitor;

import dev.acgs.sandbox.core.monitor.ViolationEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One sandbox's violations: every one is counted; the first {@link #KEEP} are kept and handed to
 * listeners, later ones are counted as suppressed per syscall (never silently dropped), so a
 * sandbox that floods cannot exhaust the controller.
 */
public final class ViolationLog implements Consumer<ViolationEvent> {
  public static final int KEEP = 1000;

  private final List<ViolationEvent> kept = new ArrayList<>();
  private final AtomicLong total = new AtomicLong();
  private final Map<String, AtomicLong> suppressed = new ConcurrentHashMap<>();
  private final List<Consumer<ViolationEvent>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<ViolationEvent>> suppressedListeners = new CopyOnWriteArrayList<>();

  @Override
  public void accept(ViolationEvent e) {
    total.incrementAndGet();
    boolean keep;
    synchronized (kept) {
      keep = kept.size() < KEEP;
      if (keep) {
        kept.add(e);
      } else {
        suppressed.computeIfAbsent(e.syscall(), k -> new AtomicLong()).incrementAndGet();
      }
    }
    for (Consumer<ViolationEvent> l : keep ? listeners : suppressedListeners) {
      l.accept(e);
    }
  }

  /** Hears of each event that is counted but not kept. */
  public void addSuppressedListener(Consumer<ViolationEvent> l) {
    suppressedListeners.add(l);
  }

  public void addListener(Consumer<ViolationEvent> l) {
    listeners.add(l);
  }

  /** How many events are kept so far: a command's violations are those kept after its start. */
  public int mark() {
    synchronized (kept) {
      return kept.size();
    }
  }

  public List<ViolationEvent> since(int mark) {
    synchronized (kept) {
      return List.copyOf(kept.subList(Math.min(mark, kept.size()), kept.size()));
    }
  }

  public List<ViolationEvent> all() {
    return since(0);
  }

  public long total() {
    return total.get();
  }

  /** Events counted but not kept, per syscall. */
  public Map<String, Long> suppressed() {
    Map<String, Long> out = new java.util.TreeMap<>();
    suppressed.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
