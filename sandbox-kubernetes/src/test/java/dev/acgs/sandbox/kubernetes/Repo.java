package dev.acgs.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The repository checkout these tests read (deploy/k8s, deploy/node) and a bounded way to run the
 * external tools they check it with (kubectl, shellcheck, python3, the node scripts).
 */
final class Repo {
  private Repo() {}

  /** The repository root: the nearest directory upwards from the working directory with deploy/ and mvnw. */
  static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("deploy/k8s")) && Files.isRegularFile(p.resolve("mvnw"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (a directory with deploy/k8s and mvnw) above " + Path.of("").toAbsolutePath());
  }

  record Run(List<String> command, int exit, String stdout, String stderr) {
    /** For assertion messages: what ran and what it said. */
    String describe() {
      return String.join(" ", command) + " exited " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  /** Fails the test, with the install command, when {@code tool} is not on PATH. */
  static void requireTool(String tool, String install) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return;
      }
    }
    fail(tool + " is not on PATH; these tests need it: " + install + " (./test.sh installs it)");
  }

  /** Runs a command in {@code dir} with output captured to files, killed after 60 s. */
  static Run run(Path dir, List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("run", ".out");
    Path err = Files.createTempFile("run", ".err");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        fail(String.join(" ", command) + " did not finish within 60 s");
      }
      return new Run(List.copyOf(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static Run run(Path dir, String... command) throws IOException, InterruptedException {
    return run(dir, new ArrayList<>(List.of(command)));
  }
}
