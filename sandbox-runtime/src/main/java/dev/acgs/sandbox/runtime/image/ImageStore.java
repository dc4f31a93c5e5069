package dev.acgs.sandbox.runtime.image;

import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.internal.Json;
import dev.acgs.sandbox.runtime.state.StateLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Content-addressed image store: {@code images/sha256/HEX/{rootfs,manifest.json}} and
 * {@code images/names/NAME} holding a digest. Starting a sandbox never copies an image.
 */
public final class ImageStore {
  private final Path root;

  public ImageStore(StateLayout layout) {
    this.root = layout.images();
  }

  public Path root() {
    return root;
  }

  Path blobs() {
    return root.resolve("sha256");
  }

  Path names() {
    return root.resolve("names");
  }

  /** Finds an image by name ({@code default}) or digest ({@code sha256:HEX}, a unique prefix will do). */
  public Image resolve(String ref) {
    return find(ref).orElseThrow(() -> new ImageNotFoundException(ref, root));
  }

  public Optional<Image> find(String ref) {
    String hex;
    if (ref.startsWith("sha256:")) {
      String prefix = ref.substring(7);
      List<String> matches = new ArrayList<>();
      if (Files.isDirectory(blobs())) {
        try (var dirs = Files.list(blobs())) {
          dirs.map(p -> p.getFileName().toString())
              .filter(h -> !h.startsWith(".") && h.startsWith(prefix))
              .forEach(matches::add);
        } catch (IOException e) {
          throw new SandboxFailedException("cannot read " + blobs() + ": " + e.getMessage(), e);
        }
      }
      if (matches.size() > 1) {
        throw new SandboxFailedException("digest prefix '" + ref + "' matches " + matches.size() + " images: give more digits");
      }
      if (matches.isEmpty()) {
        return Optional.empty();
      }
      hex = matches.getFirst();
    } else {
      Path link = names().resolve(ref);
      if (!Files.isRegularFile(link)) {
        return Optional.empty();
      }
      try {
        hex = Files.readString(link, StandardCharsets.UTF_8).strip().replaceFirst("^sha256:", "");
      } catch (IOException e) {
        throw new SandboxFailedException("cannot read " + link + ": " + e.getMessage(), e);
      }
    }
    Path dir = blobs().resolve(hex);
    Path manifest = dir.resolve("manifest.json");
    if (!Files.isRegularFile(manifest) || !Files.isDirectory(dir.resolve("rootfs"))) {
      return Optional.empty();
    }
    try {
      ImageManifest m = Json.MAPPER.readValue(manifest.toFile(), ImageManifest.class);
      return Optional.of(new Image(m.name(), m.digest(), dir.resolve("rootfs"), m));
    } catch (IOException e) {
      throw new SandboxFailedException("image manifest " + manifest + " is unreadable: " + e.getMessage()
          + " (remove the image with `sandboxctl image rm` and build it again)", e);
    }
  }

  public List<Image> list() {
    List<Image> out = new ArrayList<>();
    if (!Files.isDirectory(blobs())) {
      return out;
    }
    try (var dirs = Files.list(blobs())) {
      for (Path d : dirs.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList()) {
        find("sha256:" + d.getFileName()).ifPresent(out::add);
      }
    } catch (IOException e) {
      throw new SandboxFailedException("cannot read " + blobs() + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(i -> i.manifest().createdAt()));
    return out;
  }

  /** Names pointing at {@code digest}. */
  public List<String> namesOf(String digest) {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(names())) {
      return out;
    }
    try (var files = Files.list(names())) {
      for (Path f : files.toList()) {
        if (Files.readString(f, StandardCharsets.UTF_8).strip().equals(digest)) {
          out.add(f.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new SandboxFailedException("cannot read " + names() + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Moves a finished build into the store under its digest and points {@code name} at it. */
  Image add(Path builtRootfs, ImageManifest manifest) throws IOException {
    String hex = manifest.digest().substring("sha256:".length());
    Path dir = blobs().resolve(hex);
    Files.createDirectories(blobs());
    Files.createDirectories(names());
    if (!Files.isDirectory(dir.resolve("rootfs"))) {
      Path staging = Files.createTempDirectory(blobs(), ".staging-");
      try {
        // readable by every sandbox user: with user namespaces, the sandbox's root is an unprivileged host uid
        Files.setPosixFilePermissions(staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(builtRootfs, staging.resolve("rootfs"), StandardCopyOption.ATOMIC_MOVE);
        Json.MAPPER.writeValue(staging.resolve("manifest.json").toFile(), manifest);
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        if (Files.exists(staging)) {
          makeWritable(staging);
          StateLayout.deleteTree(staging);
        }
      }
    } else {
      StateLayout.deleteTree(builtRootfs);
    }
    Path tmp = Files.createTempFile(names(), ".name-", "");
    Files.writeString(tmp, manifest.digest(), StandardCharsets.UTF_8);
    Files.move(tmp, names().resolve(manifest.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return resolve(manifest.digest());
  }

  /**
   * Makes image {@code name} from image {@code base} plus {@code files} (replacing any file of the
   * same path), without a package manager: for test images such as the penetration-test corpus's,
   * which plants attack programs and deliberate misconfigurations (a setuid-root binary, a
   * world-writable /etc/passwd). Content-addressed like every image: the digest covers the base's
   * digest and every added path, mode, capability and content, so the same inputs reuse the stored
   * image and only move the name.
   */
  public Image derive(String base, String name, java.util.List<ImageFile> files) {
    Image from = resolve(base);
    String digest = derivedDigest(from.digest(), files);
    try {
      Optional<Image> existing = find(digest);
      if (existing.isPresent()) {
        Files.createDirectories(names());
        Path tmp = Files.createTempFile(names(), ".name-", "");
        Files.writeString(tmp, digest, StandardCharsets.UTF_8);
        Files.move(tmp, names().resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return resolve(digest);
      }
      Files.createDirectories(blobs());
      Path work = Files.createTempDirectory(blobs(), ".derive-");
      try {
        Path rootfs = work.resolve("rootfs");
        run(List.of("cp", "-a", "--reflink=auto", from.rootfs().toString(), rootfs.toString()));
        long added = 0;
        for (ImageFile f : files) {
          Path target = rootfs.resolve(f.path().substring(1));
          run(List.of("mkdir", "-p", target.getParent().toString()));
          Files.deleteIfExists(target);
          Files.write(target, f.content());
          run(List.of("chown", "0:0", target.toString()));
          run(List.of("chmod", f.mode(), target.toString()));
          if (f.fileCapabilities().isPresent()) {
            run(List.of("setcap", f.fileCapabilities().get(), target.toString()));
          }
          added += f.content().length;
        }
        ImageManifest m = new ImageManifest(name, digest, from.manifest().sizeBytes() + added,
            from.manifest().packages(), java.time.Instant.now(), "derived from " + from.digest() + ": " + files);
        return add(rootfs, m);
      } finally {
        if (Files.exists(work)) {
          makeWritable(work);
          StateLayout.deleteTree(work);
        }
      }
    } catch (IOException e) {
      throw new SandboxFailedException("cannot derive image " + name + " from " + base + ": " + e.getMessage(), e);
    }
  }

  static String derivedDigest(String baseDigest, java.util.List<ImageFile> files) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      md.update(("derived\0" + baseDigest + "\n").getBytes(StandardCharsets.UTF_8));
      for (ImageFile f : files.stream().sorted(Comparator.comparing(ImageFile::path)).toList()) {
        md.update((f.path() + "\0" + f.mode() + "\0" + f.fileCapabilities().orElse("") + "\0").getBytes(StandardCharsets.UTF_8));
        md.update(f.content());
        md.update((byte) '\n');
      }
      return "sha256:" + java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(List<String> argv) throws IOException {
    dev.acgs.sandbox.runtime.internal.Command.Result r =
        dev.acgs.sandbox.runtime.internal.Command.run(argv, java.time.Duration.ofMinutes(2));
    if (!r.ok()) {
      throw new IOException(String.join(" ", argv) + " failed: " + r.diagnostics());
    }
  }

  /**
   * Removes an image by name or digest. The name goes at once; the content goes when no other
   * name points at it.
   *
   * @param inUse whether a sandbox still uses the digest; such an image is refused
   */
  public Image remove(String ref, java.util.function.Predicate<String> inUse) {
    Image img = resolve(ref);
    if (inUse.test(img.digest())) {
      throw new SandboxFailedException(
          "image '" + ref + "' is used by a sandbox: remove the sandbox first (`sandboxctl ps`, `sandboxctl rm ID`)");
    }
    try {
      List<String> names = namesOf(img.digest());
      if (!ref.startsWith("sha256:")) {
        Files.deleteIfExists(names().resolve(ref));
        names.remove(ref);
      } else {
        for (String n : names) {
          Files.deleteIfExists(names().resolve(n));
        }
        names.clear();
      }
      if (names.isEmpty()) {
        Path dir = blobs().resolve(img.digest().substring(7));
        Path trash = Files.createTempDirectory(root, ".removing-");
        Files.move(dir, trash.resolve("x"), StandardCopyOption.ATOMIC_MOVE);
        makeWritable(trash);
        StateLayout.deleteTree(trash);
      }
      return img;
    } catch (IOException e) {
      throw new SandboxFailedException("cannot remove image " + ref + ": " + e.getMessage(), e);
    }
  }

  static void makeWritable(Path tree) throws IOException {
    try (var walk = Files.walk(tree)) {
      for (Path p : walk.toList()) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          var perms = Files.getPosixFilePermissions(p);
          perms.add(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
          Files.setPosixFilePermissions(p, perms);
        }
      }
    }
  }
}
