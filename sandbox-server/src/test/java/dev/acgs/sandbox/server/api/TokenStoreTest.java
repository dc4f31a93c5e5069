package dev.acgs.sandbox.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
  @TempDir Path dir;

  @Test
  void aTokenMapsToItsTenantOnlyThroughItsHash() throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "# comment\nalice " + TokenStore.sha256Hex("s3cret") + "\n\nbob " + TokenStore.sha256Hex("other") + "\n");
    TokenStore t = TokenStore.load(f);
    assertThat(t.tenantOf("s3cret")).hasValue("alice");
    assertThat(t.tenantOf("other")).hasValue("bob");
    assertThat(t.tenantOf("S3cret")).isEmpty();
    assertThat(t.tenantOf("")).isEmpty();
    assertThat(Files.readString(f)).doesNotContain("s3cret");
  }

  @Test
  void aMalformedLineIsNamedWithItsNumberAndTheFix() throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "alice " + TokenStore.sha256Hex("x") + "\nbob plaintext-token\n");
    assertThatThrownBy(() -> TokenStore.load(f)).hasMessageContaining("line 2").hasMessageContaining("sha256sum");
  }

  @Test
  void anEmptyFileIsRefused() throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "# nobody\n");
    assertThatThrownBy(() -> TokenStore.load(f)).hasMessageContaining("holds no tokens");
  }
}
