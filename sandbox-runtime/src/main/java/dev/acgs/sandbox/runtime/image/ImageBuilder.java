package dev.acgs.sandbox.runtime.image;

import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.state.StateLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Builds a Debian root filesystem with {@code mmdebstrap} and adds it to the {@link ImageStore}.
 * The default image is Debian bookworm with full Python 3 (ctypes, sqlite3, venv) and busybox.
 */
public final class ImageBuilder {
  public static final String DEFAULT_SUITE = "bookworm";
  public static final List<String> DEFAULT_PACKAGES = List.of("python3", "python3-venv", "busybox");
  private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}(:[A-Za-z0-9._-]{1,64})?");

  private final ImageStore store;

  public ImageBuilder(ImageStore store) {
    this.store = store;
  }

  /**
   * Builds the image.
   *
   * @param progress receives one line per step, as the build goes
   */
  public Image build(String name, String suite, List<String> packages, Consumer<String> progress) {
    if (!NAME.matcher(name).matches()) {
      throw new InvalidSpecException("--name", "'" + name + "' is not an image name: lower-case letters, digits, '.', '_', '-', optional :tag");
    }
    for (String p : packages) {
      if (!PACKAGE.matcher(p).matches()) {
        throw new InvalidSpecException("--package", "'" + p + "' is not a Debian package name");
      }
    }
    if (!suite.matches("[a-z]+")) {
      throw new InvalidSpecException("--suite", "'" + suite + "' is not a Debian suite name such as bookworm");
    }
    Path mmdebstrap = dev.acgs.sandbox.runtime.internal.Binaries.find("mmdebstrap")
        .orElseThrow(() -> new RuntimeUnavailableException(
            "mmdebstrap is not installed: install it with `apt-get install -y mmdebstrap` (as root)"));
    Path work;
    try {
      Files.createDirectories(store.root());
      work = Files.createTempDirectory(store.root(), ".build-");
    } catch (IOException e) {
      throw new SandboxFailedException("cannot create a build directory in " + store.root() + ": " + e.getMessage(), e);
    }
    Path rootfs = work.resolve("rootfs");
    try {
      List<String> argv = new ArrayList<>(List.of(
          mmdebstrap.toString(), "--variant=essential", "--include=" + String.join(",", packages),
          "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*",
          "--dpkgopt=path-exclude=/usr/share/locale/*", suite, rootfs.toString()));
      progress.accept("building image '" + name + "': " + String.join(" ", argv.subList(1, argv.size())));
      long t0 = System.nanoTime();
      runWithProgress(argv, progress, t0);
      progress.accept(String.format("[%5.1fs] preparing the root filesystem", (System.nanoTime() - t0) / 1e9));
      prepare(rootfs);
      progress.accept(String.format("[%5.1fs] computing the content digest", (System.nanoTime() - t0) / 1e9));
      Digest d = digest(rootfs);
      List<String> installed = packages(rootfs);
      makeReadOnly(rootfs);
      ImageManifest m = new ImageManifest(name, d.digest(), d.size(), installed, Instant.now(), String.join(" ", argv));
      Image img = store.add(rootfs, m);
      progress.accept(String.format("[%5.1fs] stored %s as %s (%d MiB, %d packages)",
          (System.nanoTime() - t0) / 1e9, name, d.digest().substring(0, 19), d.size() >> 20, installed.size()));
      return img;
    } catch (IOException e) {
      throw new SandboxFailedException("image build failed: " + e.getMessage(), e);
    } finally {
      try {
        if (Files.exists(work)) {
          ImageStore.makeWritable(work);
          StateLayout.deleteTree(work);
        }
      } catch (IOException e) {
        progress.accept("warning: could not remove " + work + ": " + e.getMessage());
      }
    }
  }

  private static void runWithProgress(List<String> argv, Consumer<String> progress, long t0) throws IOException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    Deque<String> tail = new ArrayDeque<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        progress.accept(String.format("[%5.1fs] %s", (System.nanoTime() - t0) / 1e9, line));
        tail.addLast(line);
        if (tail.size() > 20) {
          tail.removeFirst();
        }
      }
    }
    try {
      int rc = p.waitFor();
      if (rc != 0) {
        throw new SandboxFailedException("mmdebstrap failed with exit code " + rc
            + " (is a Debian mirror reachable? see the lines above):\n" + String.join("\n", tail));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SandboxFailedException("image build interrupted", e);
    }
  }

  /** Mount points the hardened spec needs must exist: the root is read-only at run time. */
  static void prepare(Path rootfs) throws IOException {
    for (String d : List.of("proc", "sys", "dev", "tmp", ".acgs")) {
      Files.createDirectories(rootfs.resolve(d));
    }
    // No apt caches or host resolver configuration inside sandboxes.
    Files.deleteIfExists(rootfs.resolve("etc/resolv.conf"));
  }

  /** The installed packages, from dpkg's status file. */
  static List<String> packages(Path rootfs) throws IOException {
    List<String> out = new ArrayList<>();
    String pkg = null;
    String version = null;
    boolean installed = false;
    for (String line : Files.readAllLines(rootfs.resolve("var/lib/dpkg/status"), StandardCharsets.UTF_8)) {
      if (line.isEmpty()) {
        if (pkg != null && installed) {
          out.add(pkg + "=" + version);
        }
        pkg = null;
        version = null;
        installed = false;
      } else if (line.startsWith("Package: ")) {
        pkg = line.substring(9);
      } else if (line.startsWith("Version: ")) {
        version = line.substring(9);
      } else if (line.startsWith("Status: ")) {
        installed = line.endsWith(" installed");
      }
    }
    if (pkg != null && installed) {
      out.add(pkg + "=" + version);
    }
    out.sort(null);
    return out;
  }

  record Digest(String digest, long size) {}

  /** sha256 over every path (sorted), its type, mode, owner, link target and content. */
  static Digest digest(Path rootfs) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long size = 0;
    byte[] buf = new byte[1 << 16];
    List<Path> paths;
    try (var walk = Files.walk(rootfs)) {
      paths = walk.sorted().toList();
    }
    for (Path p : paths) {
      PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      String rel = rootfs.relativize(p).toString();
      String type = a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : a.isRegularFile() ? "f" : "o";
      md.update((rel + "\0" + type + "\0" + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions())
          + "\0" + a.owner().getName() + "\0").getBytes(StandardCharsets.UTF_8));
      if (a.isSymbolicLink()) {
        md.update(Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
      } else if (a.isRegularFile()) {
        size += a.size();
        try (InputStream in = Files.newInputStream(p)) {
          for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
          }
        }
      }
      md.update((byte) '\n');
    }
    return new Digest("sha256:" + HexFormat.of().formatHex(md.digest()), size);
  }

  /**
   * Takes the write bits off everything: the image is shared by all its sandboxes. /tmp keeps its
   * 1777: runc gives the tmpfs mounted over it the mode of the directory beneath.
   */
  static void makeReadOnly(Path rootfs) throws IOException {
    Path tmp = rootfs.resolve("tmp");
    Set<PosixFilePermission> write = Set.of(
        PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
    try (var walk = Files.walk(rootfs)) {
      for (Path p : walk.toList()) {
        if (Files.isSymbolicLink(p) || p.equals(tmp)) {
          continue;
        }
        var perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (perms.removeAll(write)) {
          Files.setPosixFilePermissions(p, perms);
        }
      }
    }
  }
}
