package dev.acgs.sandbox.runtime.image;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A file added to a derived image ({@link ImageStore#derive}): owned by root, with an octal mode
 * that may carry the setuid bit, and optionally file capabilities (as {@code setcap} spells them).
 *
 * @param path absolute path inside the image, e.g. {@code /opt/pentest/bin/probe}
 * @param mode octal mode, e.g. {@code 0755} or {@code 4755}
 * @param fileCapabilities e.g. {@code cap_dac_read_search+ep}; empty for none
 */
public record ImageFile(String path, byte[] content, String mode, Optional<String> fileCapabilities) {
  private static final Pattern MODE = Pattern.compile("0?[0-7]{3,4}");

  public ImageFile {
    if (!path.startsWith("/") || path.contains("..") || path.endsWith("/")) {
      throw new IllegalArgumentException("image file path '" + path + "' must be absolute, without '..', naming a file");
    }
    if (!MODE.matcher(mode).matches()) {
      throw new IllegalArgumentException("mode '" + mode + "' of " + path + " is not octal like 0755 or 4755");
    }
    content = content.clone();
  }

  public static ImageFile of(String path, byte[] content, String mode) {
    return new ImageFile(path, content, mode, Optional.empty());
  }

  @Override
  public byte[] content() {
    return content.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageFile f && f.path.equals(path) && Arrays.equals(f.content, content)
        && f.mode.equals(mode) && f.fileCapabilities.equals(fileCapabilities);
  }

  @Override
  public int hashCode() {
    return path.hashCode() * 31 + Arrays.hashCode(content);
  }

  @Override
  public String toString() {
    return path + " (" + mode + fileCapabilities.map(c -> ", " + c).orElse("") + ", " + content.length + " bytes)";
  }
}
