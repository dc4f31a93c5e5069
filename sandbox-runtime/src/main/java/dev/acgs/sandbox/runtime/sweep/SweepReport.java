package dev.acgs.sandbox.runtime.sweep;

import java.util.List;

/**
 * The result of one {@link SyscallSweep}: one row per call number.
 *
 * @param runtime gvisor or runc
 * @param profile the profile's name
 */
public record SweepReport(String runtime, String profile, List<Row> rows) {

  /**
   * @param expected what the profile decides for this number with zero arguments: allowed or denied
   * @param observed what the call returned: {@code ok}, {@code errno N}, {@code signal N} or {@code exit N}
   * @param blocked denied by the filter: the profile denies it and the call returned the profile's errno
   * @param reported the runtime reported a violation for this number
   * @param kernelExempt the host kernel lets this call through every seccomp filter ({@link SyscallSweep#KERNEL_EXEMPT})
   */
  public record Row(int number, String name, String expected, String observed, boolean blocked, boolean reported,
      boolean kernelExempt) {
    public boolean denied() {
      return expected.equals("denied");
    }
  }

  public SweepReport {
    rows = List.copyOf(rows);
  }

  public long allowed() {
    return rows.stream().filter(r -> !r.denied()).count();
  }

  public long denied() {
    return rows.stream().filter(Row::denied).count();
  }

  public long blocked() {
    return rows.stream().filter(Row::blocked).count();
  }

  public long reported() {
    return rows.stream().filter(r -> r.denied() && r.reported()).count();
  }

  /** Numbers the profile denies that were not blocked, the kernel's exemptions aside: each is a hole in the filter. */
  public List<Row> leaks() {
    return rows.stream().filter(r -> r.denied() && !r.blocked() && !r.kernelExempt()).toList();
  }

  /** Denied numbers that passed because the host kernel exempts them from seccomp. */
  public List<Row> passedByKernel() {
    return rows.stream().filter(r -> r.denied() && !r.blocked() && r.kernelExempt()).toList();
  }

  /** Numbers that were blocked but that the runtime did not report. */
  public List<Row> unreported() {
    return rows.stream().filter(r -> r.blocked() && !r.reported()).toList();
  }
}
