package dev.acgs.sandbox.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acgs.sandbox.core.model.ExecRequest;
import dev.acgs.sandbox.core.model.ExecResult;
import dev.acgs.sandbox.core.model.SandboxSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A pool's preloaded interpreter runs the first {@code python3 -c} exactly as a fresh python3 would. */
class PreloadedPythonIT {
  static ExecResult python(Sandbox s, String code) {
    return s.exec(ExecRequest.of(Duration.ofSeconds(30), "python3", "-c", code));
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void theFirstPythonCommandRunsInThePreloadedInterpreterAsPythonDashCWould(RuntimeKind k) {
    String probe = "import sys; print(__name__, sys.argv, sys.stdin.read() == '')";
    try (TestHost.Tracked rt = TestHost.runtime(k);
        Sandbox s = PreloadedPython.start(rt.create(SandboxSpec.builder().build()))) {
      ExecResult first = python(s, probe);
      ExecResult second = python(s, probe); // a fresh python3 -c, not the preloaded one
      assertThat(first.exitCode()).as(first.stderrText()).isZero();
      assertThat(first.stdoutText()).isEqualTo("__main__ ['-c'] True\n").isEqualTo(second.stdoutText());
      ExecResult failing = python(s, "raise ValueError('boom')");
      assertThat(failing.exitCode()).isEqualTo(1);
      assertThat(failing.stderrText()).contains("Traceback", "ValueError: boom");
    }
  }

  @ParameterizedTest
  @EnumSource(value = RuntimeKind.class, names = {"GVISOR", "RUNC"})
  void exitCodesExceptionsAndTimeoutsOfThePreloadedCommandAreThoseOfAnyCommand(RuntimeKind k) {
    try (TestHost.Tracked rt = TestHost.runtime(k)) {
      try (Sandbox s = PreloadedPython.start(rt.create(SandboxSpec.builder().build()))) {
        ExecResult r = python(s, "import sys\nprint('out'); print('err', file=sys.stderr)\nsys.exit(3)");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdoutText()).isEqualTo("out\n");
        assertThat(r.stderrText()).isEqualTo("err\n");
      }
      try (Sandbox s = PreloadedPython.start(rt.create(SandboxSpec.builder().build()))) {
        ExecResult r = python(s, "raise KeyError('x')");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrText()).contains("KeyError: 'x'");
      }
      try (Sandbox s = PreloadedPython.start(rt.create(SandboxSpec.builder().build()))) {
        ExecResult r = s.exec(ExecRequest.of(Duration.ofSeconds(2), "python3", "-c", "import time; time.sleep(60)"));
        assertThat(r.termination()).contains(ExecResult.Termination.TIMEOUT);
        assertThat(r.duration()).isLessThan(Duration.ofSeconds(20));
        assertThat(s.isAlive()).isFalse();
      }
      try (Sandbox s = PreloadedPython.start(rt.create(SandboxSpec.builder().build()))) {
        // an environment cannot be given to an interpreter already started: this one runs as usual
        ExecResult r = s.exec(new ExecRequest(List.of("python3", "-c", "import os; print(os.environ['GREETING'])"),
            Map.of("GREETING", "hi"), Optional.empty(), Duration.ofSeconds(30), ExecRequest.DEFAULT_MAX_OUTPUT));
        assertThat(r.stdoutText()).isEqualTo("hi\n");
      }
    }
  }
}
