package dev.acgs.sandbox.runtime.oci;

import dev.acgs.sandbox.core.SandboxException;
import dev.acgs.sandbox.core.model.SandboxSpec;
import dev.acgs.sandbox.core.oci.Hardening;
import dev.acgs.sandbox.core.oci.OciSpec;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import dev.acgs.sandbox.runtime.RuntimeConfig;
import dev.acgs.sandbox.runtime.RuntimeKind;
import dev.acgs.sandbox.runtime.RuntimeUnavailableException;
import dev.acgs.sandbox.runtime.Sandbox;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import dev.acgs.sandbox.runtime.SandboxInfo;
import dev.acgs.sandbox.runtime.SandboxNotFoundException;
import dev.acgs.sandbox.runtime.SandboxRuntime;
import dev.acgs.sandbox.runtime.StartPhases;
import dev.acgs.sandbox.runtime.agent.AgentBinary;
import dev.acgs.sandbox.runtime.agent.AgentConnection;
import dev.acgs.sandbox.runtime.cgroup.Cgroups;
import dev.acgs.sandbox.runtime.image.Image;
import dev.acgs.sandbox.runtime.image.ImageStore;
import dev.acgs.sandbox.runtime.internal.Binaries;
import dev.acgs.sandbox.runtime.internal.Command;
import dev.acgs.sandbox.runtime.internal.Fifo;
import dev.acgs.sandbox.runtime.internal.Json;
import dev.acgs.sandbox.runtime.internal.Processes;
import dev.acgs.sandbox.runtime.state.IdRanges;
import dev.acgs.sandbox.runtime.state.Ownership;
import dev.acgs.sandbox.runtime.state.StateLayout;
import dev.acgs.sandbox.runtime.monitor.ViolationLog;
import dev.acgs.sandbox.runtime.monitor.ViolationWatch;
import dev.acgs.sandbox.core.monitor.ViolationEvent;
import java.util.function.Consumer;
import java.io.File;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What runc and runsc share: both take an OCI bundle and the same create / start / kill / delete /
 * state commands. A subclass says which binary, which global flags, and whether sandboxes get a
 * user namespace.
 *
 * <p>A sandbox's first process is the sandbox agent; its stdin and stdout are two named pipes in
 * the bundle, so the connection survives the {@code create} command that passed them on.
 */
public abstract class OciRuntime implements SandboxRuntime {
  /** Every container this project creates has an id with this prefix. */
  public static final String ID_PREFIX = "acgs-";

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final RuntimeKind kind;
  private final RuntimeConfig config;
  private final StateLayout layout;
  private final ImageStore images;
  private final IdRanges idRanges;
  private final Set<Sandbox> open = ConcurrentHashMap.newKeySet();
  private volatile Path binary;
  private volatile Path agentDir;

  protected OciRuntime(RuntimeKind kind, RuntimeConfig config) {
    this.kind = kind;
    this.config = config;
    this.layout = new StateLayout(config.stateDir());
    this.images = new ImageStore(layout);
    this.idRanges = new IdRanges(layout.idRanges());
  }

  /** Flags given before every subcommand (runsc needs the same ones on each call). */
  protected abstract List<String> globalFlags();

  /** Whether each sandbox gets its own user namespace and host id range. */
  protected abstract boolean usesUserNamespace();

  /** The profile as this runtime must be given it to enforce the profile's intent. Default: unchanged. */
  protected SeccompProfile adaptSeccomp(SeccompProfile profile, Path bundle) {
    return profile;
  }

  /**
   * The profile as this runtime must render it for denied calls to be reported (runc: user
   * notification). Applied only when monitoring is on. Default: unchanged.
   */
  protected SeccompProfile monitorSeccomp(SeccompProfile profile, Path bundle) {
    return profile;
  }

  /**
   * Whether the sandbox is created and started by one {@code run --detach} call instead of
   * {@code create} then {@code start}. One runtime process fewer per start; worth it where that
   * process is expensive to start (runsc: a 24 MB Go binary, ~25 ms before its first line of work
   * on this VM). Default: two calls.
   */
  protected boolean createAndStartInOneCall() {
    return false;
  }

  /** Flags for the {@code create} command only (where the sandbox boots), when monitoring is on. Default: none. */
  protected List<String> createFlags(Path bundle) {
    return List.of();
  }

  /**
   * Starts watching sandbox {@code id}'s denied calls, before it boots, feeding {@code sink}.
   * Default: this runtime reports none.
   */
  protected Optional<ViolationWatch> watchViolations(String id, Path bundle, Consumer<ViolationEvent> sink) {
    return Optional.empty();
  }

  /** Learn mode: the calls made inside the sandbox whose bundle is {@code bundle}. Default: not recorded. */
  protected Optional<java.util.SortedSet<String>> recordedSyscalls(Path bundle) {
    return Optional.empty();
  }

  /**
   * Test seam: the hardened OCI config as it is written to the bundle. Default: unchanged.
   *
   * <p>Exists so that the penetration-test suite can prove it sees failure, by building (in test
   * code only) a deliberately weakened runtime that keeps a capability. Nothing in
   * {@link RuntimeConfig}, the server or the CLI can reach it: only a subclass can override it, and
   * {@link SandboxRuntime#create} makes none that does. Never override it in production code.
   */
  protected OciSpec adjustOciSpec(OciSpec hardened) {
    return hardened;
  }

  Path bundleOf(String id) {
    return layout.sandbox(id);
  }

  /** The settings this runtime was made with. */
  protected RuntimeConfig config() {
    return config;
  }

  /** The host pids cgroup limit for a sandbox limited to {@code pids} processes. Default: the same. */
  protected long hostPidsLimit(int pids) {
    return pids;
  }

  @Override
  public RuntimeKind kind() {
    return kind;
  }

  /** Which runtime holds sandbox {@code id} of this state directory, if any. */
  public static Optional<RuntimeKind> runtimeOf(RuntimeConfig config, String id) {
    if (!id.startsWith(ID_PREFIX) || id.contains("/")) {
      return Optional.empty();
    }
    return readOwner(new StateLayout(config.stateDir()).sandbox(id)).map(o -> RuntimeKind.parse(o.runtime()));
  }

  public static String cgroupsPath(String id) {
    return "/acgs/" + id;
  }

  @Override
  public void checkAvailable() {
    if (binary != null) {
      return;
    }
    Path bin = Binaries.findRuntime(kind).orElseThrow(() -> new RuntimeUnavailableException(
        kind.binary() + " (" + kind + ") is not installed: install it with `apt-get install -y "
            + kind.debianPackage() + "` as root, or run ./setup.sh"));
    if (!isRoot()) {
      throw new RuntimeUnavailableException(
          "sandboxes need root on this host (cgroups, namespaces, " + kind.binary() + "): run sandboxctl as root");
    }
    Command.Result v = Command.run(List.of(bin.toString(), "--version"), COMMAND_TIMEOUT);
    if (!v.ok()) {
      throw new RuntimeUnavailableException(kind.binary() + " --version failed: " + v.diagnostics());
    }
    layout.ensure();
    agentDir = AgentBinary.install(layout.agent());
    binary = bin;
  }

  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  List<String> cli(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(binary.toString());
    argv.addAll(globalFlags());
    argv.addAll(List.of(args));
    return argv;
  }

  @Override
  public Sandbox create(SandboxSpec spec) {
    return create(spec, false);
  }

  @Override
  public Sandbox createDetached(SandboxSpec spec) {
    return create(spec, true);
  }

  private Sandbox create(SandboxSpec spec, boolean detached) {
    long t0 = System.nanoTime();
    StartPhases.Clock clock = new StartPhases.Clock();
    checkAvailable();
    SeccompProfile requested = spec.resolveSeccomp();
    Image image = images.resolve(spec.image());
    String id = ID_PREFIX + HexFormat.of().formatHex(randomBytes());
    Path bundle = layout.sandbox(id);
    Optional<Integer> range = Optional.empty();
    FileChannel inRdwr = null;
    FileChannel outRdwr = null;
    AgentConnection agent = null;
    Optional<ViolationWatch> watch = Optional.empty();
    ViolationLog violations = new ViolationLog();
    try {
      // The bundle appears with its owner record already in it (made under a temporary name, then
      // renamed): a process killed at any point leaves either nothing under the sandbox's name or
      // a bundle whose dead owner lets the next start reap it at once.
      Path creating = creatingDir(id);
      Files.createDirectory(creating);
      // the range is taken while a directory of this id exists: releaseStale keeps it
      range = usesUserNamespace() ? Optional.of(idRanges.acquire(id)) : Optional.empty();
      Ownership owner = Ownership.ofThisProcess(id, kind.wireName(), image.name(), range, spec.labels());
      writeOwner(creating, detached ? owner.detached() : owner);
      Files.move(creating, bundle, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      SeccompProfile profile = adaptSeccomp(requested, bundle);
      if (config.monitorViolations()) {
        watch = watchViolations(id, bundle, violations);
        profile = monitorSeccomp(profile, bundle);
      }
      clock.mark("prepare");
      Hardening.HostContext host = new Hardening.HostContext(
          image.rootfs(), agentDir, cgroupsPath(id), range.map(IdRanges::hostBase), profile,
          hostPidsLimit(spec.limits().pids()),
          Map.of(Hardening.ANNOTATION_OWNER, owner.ownerText(), Hardening.ANNOTATION_STATE_DIR, config.stateDir().toString()));
      OciSpec oci = adjustOciSpec(Hardening.toOciSpec(spec, host));
      Json.MAPPER.writeValue(bundle.resolve("config.json").toFile(), oci);
      Json.MAPPER.writeValue(bundle.resolve("spec.json").toFile(), spec);
      clock.mark("config");

      Path in = bundle.resolve("agent.in");
      Path out = bundle.resolve("agent.out");
      Fifo.create(in);
      Fifo.create(out);
      // Opening a FIFO read-write never blocks; the runtime's ends open at once because ours exist.
      inRdwr = FileChannel.open(in, StandardOpenOption.READ, StandardOpenOption.WRITE);
      outRdwr = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE);
      Path log = bundle.resolve("runtime.log");
      List<String> createArgv = new ArrayList<>(cli());
      if (config.monitorViolations()) {
        createArgv.addAll(createFlags(bundle));
      }
      boolean oneCall = createAndStartInOneCall();
      createArgv.addAll(oneCall ? List.of("run", "--detach", "--bundle", bundle.toString(), id)
          : List.of("create", "--bundle", bundle.toString(), id));
      clock.mark("fifos");
      Process create = new ProcessBuilder(createArgv)
          .redirectInput(ProcessBuilder.Redirect.from(in.toFile()))
          .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()))
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      clock.mark("createSpawn");
      if (!create.waitFor(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        create.destroyForcibly();
        throw new SandboxFailedException(kind.binary() + " " + createArgv.get(cli().size()) + " did not finish within "
            + config.startTimeout());
      }
      if (create.exitValue() != 0) {
        throw new SandboxFailedException(kind.binary() + " " + createArgv.get(cli().size()) + " failed: " + tail(log));
      }
      clock.mark(oneCall ? "runDetachRun" : "createRun");
      // Our final ends: a reader only (so the agent's death reads as end of file) and a writer only
      // (so writing to a dead agent fails instead of filling the pipe).
      FileChannel outRead = FileChannel.open(out, StandardOpenOption.READ);
      FileChannel inWrite = FileChannel.open(in, StandardOpenOption.WRITE);
      inRdwr.close();
      outRdwr.close();
      agent = new AgentConnection(id, Channels.newInputStream(outRead), Channels.newOutputStream(inWrite));

      clock.mark("connect");
      if (!oneCall) {
        Command.Result start = Command.run(cli("start", id), COMMAND_TIMEOUT);
        clock.split("startSpawn", start.spawn());
        clock.mark("startRun");
        if (!start.ok()) {
          throw new SandboxFailedException(kind.binary() + " start failed: " + start.diagnostics() + " " + tail(log));
        }
      }
      Duration left = config.startTimeout().minusNanos(System.nanoTime() - t0);
      try {
        agent.awaitReady(left.isNegative() ? Duration.ZERO : left);
      } catch (TimeoutException e) {
        throw new SandboxFailedException("the sandbox did not answer within " + config.startTimeout() + ": " + tail(log));
      } catch (SandboxFailedException e) {
        throw new SandboxFailedException("the sandbox stopped while starting: " + tail(log), e);
      }
      clock.mark("hello");
      if (detached) {
        startKeeper(bundle, id, owner);
      }
      clock.mark("finish");
      Duration startDuration = Duration.ofNanos(System.nanoTime() - t0);
      OciSandbox sandbox = new OciSandbox(this, id, spec, owner.createdAt(), startDuration, agent, violations, watch);
      sandbox.recordStart(clock.snapshot());
      if (detached) {
        return new DetachedHandle(sandbox, agent, null);
      }
      open.add(sandbox);
      return sandbox;
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      closeQuietly(inRdwr);
      closeQuietly(outRdwr);
      watch.ifPresent(ViolationWatch::close);
      if (agent != null) {
        agent.close();
      }
      try {
        StateLayout.deleteTree(creatingDir(id));
        destroy(id);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof SandboxFailedException se && !spec.seccompProfile().equals(SandboxSpec.DEFAULT_SECCOMP_PROFILE)) {
        throw new SandboxFailedException(se.getMessage() + " (seccomp profile '" + spec.seccompProfile()
            + "' was in use: a profile that denies what a program needs to start, such as execve, arch_prctl"
            + " or openat, stops every sandbox at its start)", se);
      }
      if (e instanceof SandboxException se) {
        throw se;
      }
      throw new SandboxFailedException("cannot create a " + kind + " sandbox: " + e, e);
    }
  }

  /**
   * Prefix of a bundle being made, {@code .creating-PID-ID}: renamed to the sandbox's id once its
   * owner record is in it. The creator's pid is in the name, so a half-made one whose creator died
   * before writing anything is recognised at once.
   */
  static final String CREATING_PREFIX = ".creating-";
  private static final java.util.regex.Pattern CREATING =
      java.util.regex.Pattern.compile("\\.creating-(\\d+)-(" + ID_PREFIX + "[0-9a-f]+)");

  private Path creatingDir(String id) {
    return layout.sandboxes().resolve(CREATING_PREFIX + ProcessHandle.current().pid() + "-" + id);
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  /**
   * A detached sandbox's agent would see end of file when its creator exits; a keeper process holds
   * the other ends of both pipes open until the sandbox is removed.
   */
  private void startKeeper(Path bundle, String id, Ownership owner) throws IOException {
    Process keeper = new ProcessBuilder("setsid", "sleep", "infinity")
        .redirectInput(ProcessBuilder.Redirect.from(bundle.resolve("agent.out").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.to(bundle.resolve("agent.in").toFile()))
        .redirectError(ProcessBuilder.Redirect.to(new File("/dev/null")))
        .start();
    long pid = keeper.pid();
    Files.writeString(bundle.resolve("keeper.pid"), pid + " " + Processes.startTime(pid).orElse(0) + "\n");
  }

  @Override
  public Sandbox open(String id) {
    checkAvailable();
    Path bundle = layout.sandbox(id);
    Ownership owner = readOwner(bundle).orElseThrow(() -> new SandboxNotFoundException(id));
    if (!owner.runtime().equals(kind.wireName())) {
      throw new SandboxFailedException("sandbox " + id + " runs on " + owner.runtime() + ", not " + kind);
    }
    if (!owner.isDetached()) {
      throw new SandboxFailedException("sandbox " + id + " belongs to " + owner.ownerText()
          + " and cannot be attached to; only sandboxes made by `sandboxctl create` can");
    }
    try {
      FileChannel lockFile = FileChannel.open(bundle.resolve("agent.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = lockFile.tryLock();
      if (lock == null) {
        lockFile.close();
        throw new SandboxFailedException("sandbox " + id + " is in use by another sandboxctl; try again when it ends");
      }
      FileChannel outRead = FileChannel.open(bundle.resolve("agent.out"), StandardOpenOption.READ);
      FileChannel inWrite = FileChannel.open(bundle.resolve("agent.in"), StandardOpenOption.WRITE);
      AgentConnection agent = new AgentConnection(id, Channels.newInputStream(outRead), Channels.newOutputStream(inWrite));
      SandboxSpec spec = Json.MAPPER.readValue(bundle.resolve("spec.json").toFile(), SandboxSpec.class);
      return new DetachedHandle(new OciSandbox(this, id, spec, owner.createdAt(), Duration.ZERO, agent,
          // the creating process held the violation channel and is gone: calls stay denied, unreported
          new ViolationLog(), Optional.empty()), agent, lockFile);
    } catch (IOException e) {
      throw new SandboxFailedException("cannot attach to sandbox " + id + ": " + e.getMessage(), e);
    }
  }

  /** A detached sandbox seen from one sandboxctl call: close() detaches, it does not destroy. */
  private record DetachedHandle(OciSandbox sandbox, AgentConnection agent, FileChannel lock) implements Sandbox {
    @Override public String id() { return sandbox.id(); }
    @Override public RuntimeKind runtime() { return sandbox.runtime(); }
    @Override public SandboxSpec spec() { return sandbox.spec(); }
    @Override public Instant createdAt() { return sandbox.createdAt(); }
    @Override public Duration startDuration() { return sandbox.startDuration(); }
    @Override public Optional<StartPhases> startPhases() { return sandbox.startPhases(); }
    @Override public dev.acgs.sandbox.core.model.ExecResult exec(
        dev.acgs.sandbox.core.model.ExecRequest r, dev.acgs.sandbox.runtime.ExecIo io) { return sandbox.exec(r, io); }
    @Override public dev.acgs.sandbox.runtime.SandboxStats stats() { return sandbox.stats(); }
    @Override public ViolationLog violations() { return sandbox.violations(); }
    @Override public boolean isAlive() { return sandbox.isAlive(); }
    @Override public void kill() { sandbox.kill(); }
    @Override public void close() {
      agent.close();
      closeQuietly(lock);
    }
  }

  void killContainer(String id) {
    if (binary != null) {
      Command.run(cli("kill", id, "KILL"), COMMAND_TIMEOUT);
    }
  }

  /** Removes everything of sandbox {@code id}: container, cgroup, keeper, id range, bundle. */
  void destroy(String id) {
    List<String> problems = new ArrayList<>();
    Path bundle = layout.sandbox(id);
    Optional<Ownership> owner = readOwner(bundle);
    if (binary != null) {
      Command.run(cli("kill", id, "KILL"), COMMAND_TIMEOUT);
      Command.Result del = Command.run(cli("delete", "--force", id), COMMAND_TIMEOUT);
      if (!del.ok() && !del.diagnostics().contains("does not exist") && !del.diagnostics().contains("not exist")) {
        problems.add(kind.binary() + " delete: " + del.diagnostics());
      }
    }
    Cgroups.removeQuietly(cgroupsPath(id));
    stopKeeper(bundle);
    owner.flatMap(Ownership::idRange).ifPresent(idRanges::release);
    try {
      StateLayout.deleteTree(bundle);
    } catch (RuntimeException e) {
      problems.add(e.getMessage());
    }
    open.removeIf(s -> s.id().equals(id));
    if (!problems.isEmpty()) {
      throw new SandboxFailedException("sandbox " + id + " was not removed cleanly: " + String.join("; ", problems));
    }
  }

  private static void stopKeeper(Path bundle) {
    Path f = bundle.resolve("keeper.pid");
    if (!Files.isRegularFile(f)) {
      return;
    }
    try {
      String[] parts = Files.readString(f).strip().split(" ");
      long pid = Long.parseLong(parts[0]);
      long start = Long.parseLong(parts[1]);
      if (Processes.isAlive(pid, start)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    } catch (IOException | RuntimeException e) {
      // a broken keeper file: the keeper, if any, exits when the pipes are removed
    }
  }

  private static boolean keeperAlive(Path bundle) {
    try {
      String[] parts = Files.readString(bundle.resolve("keeper.pid")).strip().split(" ");
      return Processes.isAlive(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public List<SandboxInfo> list() {
    checkAvailable();
    List<SandboxInfo> out = new ArrayList<>();
    for (Path dir : bundles()) {
      Optional<Ownership> o = readOwner(dir);
      if (o.isEmpty() || !o.get().runtime().equals(kind.wireName())) {
        continue;
      }
      Ownership w = o.get();
      out.add(new SandboxInfo(w.id(), kind, status(w.id()), w.image(), w.createdAt(), w.ownerText(), w.labels()));
    }
    return out;
  }

  String status(String id) {
    Command.Result r = Command.run(cli("state", id), COMMAND_TIMEOUT);
    if (!r.ok()) {
      return "missing";
    }
    try {
      return Json.MAPPER.readTree(r.stdout()).path("status").asText("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public boolean remove(String id) {
    checkAvailable();
    Path bundle = layout.sandbox(id);
    Optional<Ownership> o = readOwner(bundle);
    if (o.isPresent() && !o.get().runtime().equals(kind.wireName())) {
      return false;
    }
    if (o.isEmpty() && !Files.isDirectory(bundle) && status(id).equals("missing")) {
      return false;
    }
    destroy(id);
    return true;
  }

  @Override
  public int reapOrphans() {
    checkAvailable();
    int removed = 0;
    for (Path dir : bundles()) {
      Optional<Ownership> o = readOwner(dir);
      if (o.isPresent() && !o.get().runtime().equals(kind.wireName())) {
        continue;
      }
      boolean orphan = o.map(w -> w.isDetached() ? !keeperAlive(dir) && olderThan(dir, Duration.ofMinutes(1)) : w.ownerGone())
          .orElseGet(() -> olderThan(dir, Duration.ofMinutes(1)));
      if (orphan) {
        destroy(dir.getFileName().toString());
        removed++;
      }
    }
    // Bundles half-made by a process killed between mkdir and rename (never under the sandbox's name).
    try (var dirs = Files.list(layout.sandboxes())) {
      for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(CREATING_PREFIX)).toList()) {
        java.util.regex.Matcher m = CREATING.matcher(d.getFileName().toString());
        boolean creatorGone = !m.matches()
            || ProcessHandle.of(Long.parseLong(m.group(1))).map(p -> !p.isAlive()).orElse(true);
        if (creatorGone || olderThan(d, Duration.ofMinutes(10))) {
          StateLayout.deleteTree(d);
        }
      }
    } catch (IOException e) {
      throw new SandboxFailedException("cannot read " + layout.sandboxes() + ": " + e.getMessage(), e);
    }
    // Containers of this state directory whose bundle is gone (a crash between the two removals).
    Command.Result ids = Command.run(cli("list", "--quiet"), COMMAND_TIMEOUT);
    if (ids.ok()) {
      for (String id : ids.stdout().split("\\s+")) {
        if (id.startsWith(ID_PREFIX) && !Files.isDirectory(layout.sandbox(id)) && bundleIsOurs(id)) {
          destroy(id);
          removed++;
        }
      }
    }
    idRanges.releaseStale(layout.sandboxes());
    return removed;
  }

  private boolean bundleIsOurs(String id) {
    Command.Result r = Command.run(cli("state", id), COMMAND_TIMEOUT);
    if (!r.ok()) {
      return false;
    }
    try {
      String bundle = Json.MAPPER.readTree(r.stdout()).path("bundle").asText("");
      return Path.of(bundle).startsWith(layout.sandboxes());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static boolean olderThan(Path dir, Duration age) {
    try {
      return Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(age));
    } catch (IOException e) {
      return true;
    }
  }

  private List<Path> bundles() {
    if (!Files.isDirectory(layout.sandboxes())) {
      return List.of();
    }
    try (var dirs = Files.list(layout.sandboxes())) {
      return dirs.filter(p -> p.getFileName().toString().startsWith(ID_PREFIX)).sorted().toList();
    } catch (IOException e) {
      throw new SandboxFailedException("cannot read " + layout.sandboxes() + ": " + e.getMessage(), e);
    }
  }

  private static void writeOwner(Path bundle, Ownership owner) throws IOException {
    Json.MAPPER.writeValue(bundle.resolve("owner.json").toFile(), owner);
  }

  static Optional<Ownership> readOwner(Path bundle) {
    Path f = bundle.resolve("owner.json");
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readValue(f.toFile(), Ownership.class));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String tail(Path log) {
    try {
      if (!Files.isRegularFile(log)) {
        return "(no runtime output)";
      }
      String text = Files.readString(log, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "(no runtime output)" : text.length() > 2000 ? "..." + text.substring(text.length() - 2000) : text;
    } catch (IOException e) {
      return "(runtime log unreadable: " + e.getMessage() + ")";
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // cleanup of a failure path; the first error is what gets reported
    }
  }

  @Override
  public void close() {
    List<RuntimeException> errors = new ArrayList<>();
    for (Sandbox s : List.copyOf(open)) {
      try {
        s.close();
      } catch (RuntimeException e) {
        errors.add(e);
      }
    }
    open.clear();
    if (!errors.isEmpty()) {
      SandboxFailedException e = new SandboxFailedException(errors.size() + " sandboxes could not be removed cleanly");
      errors.forEach(e::addSuppressed);
      throw e;
    }
  }
}
