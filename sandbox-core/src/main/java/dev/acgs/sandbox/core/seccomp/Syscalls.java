package dev.acgs.sandbox.core.seccomp;

import dev.acgs.sandbox.core.SandboxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The x86_64 system call table: names and numbers, as the kernel's uapi headers define them. */
public final class Syscalls {
  private static final Map<String, Integer> BY_NAME = load();
  private static final Map<Integer, String> BY_NUMBER = invert(BY_NAME);

  private Syscalls() {}

  public static OptionalInt number(String name) {
    Integer n = BY_NAME.get(name);
    return n == null ? OptionalInt.empty() : OptionalInt.of(n);
  }

  public static Optional<String> name(int number) {
    return Optional.ofNullable(BY_NUMBER.get(number));
  }

  public static boolean exists(String name) {
    return BY_NAME.containsKey(name);
  }

  /** All names, in number order. */
  public static Map<String, Integer> all() {
    return BY_NAME;
  }

  private static Map<String, Integer> load() {
    Map<String, Integer> m = new LinkedHashMap<>();
    try (InputStream in = Syscalls.class.getResourceAsStream("syscalls-x86_64.tsv")) {
      if (in == null) {
        throw new SandboxException("syscalls-x86_64.tsv is missing from the sandbox-core jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        m.put(f[0], Integer.parseInt(f[1]));
      }
    } catch (IOException e) {
      throw new SandboxException("cannot read the syscall table: " + e.getMessage(), e);
    }
    return Collections.unmodifiableMap(m);
  }

  private static Map<Integer, String> invert(Map<String, Integer> m) {
    Map<Integer, String> r = new LinkedHashMap<>();
    m.forEach((k, v) -> r.putIfAbsent(v, k));
    return Collections.unmodifiableMap(r);
  }
}
