package dev.acgs.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acgs.sandbox.core.seccomp.SeccompProfiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Localhost profiles shipped in deploy/k8s/seccomp are exactly what the profile library exports. */
class SeccompProfileFilesTest {
  static final Path DIR = Repo.root().resolve("deploy/k8s/seccomp");

  @ParameterizedTest
  @ValueSource(strings = {"baseline", "enhanced"})
  void theCommittedProfileIsWhatTheLibraryExportsToday(String name) throws IOException {
    String expected = SeccompProfiles.toJson(SeccompProfiles.byName(name)) + "\n";
    assertThat(Files.readString(DIR.resolve(name + ".json")))
        .as("deploy/k8s/seccomp/%s.json differs from the '%s' profile in sandbox-core; regenerate it: "
            + "./mvnw -B -q install -DskipTests && java -jar sandbox-cli/target/sandboxctl.jar profile export %s -o deploy/k8s/seccomp/%s.json",
            name, name, name, name)
        .isEqualTo(expected);
  }

  @Test
  void noOtherProfileLingersInTheDirectory() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("every file in deploy/k8s/seccomp is installed on nodes; remove one the library no longer has")
          .containsExactlyInAnyOrder("baseline.json", "enhanced.json");
    }
  }
}
