package dev.acgs.sandbox.core.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.acgs.sandbox.core.seccomp.SeccompProfile;
import java.util.List;
import java.util.Map;

/**
 * The part of the OCI runtime spec ({@code config.json}, runtime-spec 1.0.2) this project writes.
 * Field names are the spec's; absent fields are left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OciSpec(
    String ociVersion,
    Process process,
    Root root,
    String hostname,
    List<Mount> mounts,
    Linux linux,
    Map<String, String> annotations) {

  public static final String VERSION = "1.0.2";

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Process(
      boolean terminal,
      User user,
      List<String> args,
      List<String> env,
      String cwd,
      Capabilities capabilities,
      List<Rlimit> rlimits,
      boolean noNewPrivileges) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record User(int uid, int gid, List<Integer> additionalGids) {}

  /** The five capability sets; empty lists mean "none at all". */
  public record Capabilities(
      List<String> bounding, List<String> effective, List<String> inheritable, List<String> permitted,
      List<String> ambient) {
    public static Capabilities none() {
      return new Capabilities(List.of(), List.of(), List.of(), List.of(), List.of());
    }
  }

  public record Rlimit(String type, long hard, long soft) {}

  public record Root(String path, boolean readonly) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Mount(String destination, String type, String source, List<String> options) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Linux(
      Resources resources,
      String cgroupsPath,
      List<Namespace> namespaces,
      List<IdMapping> uidMappings,
      List<IdMapping> gidMappings,
      List<String> maskedPaths,
      List<String> readonlyPaths,
      SeccompProfile seccomp) {}

  public record Namespace(String type) {}

  public record IdMapping(
      @JsonProperty("containerID") long containerId, @JsonProperty("hostID") long hostId, long size) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Memory(long limit, Long swap, Boolean disableOOMKiller) {}

  public record Cpu(long quota, long period) {}

  public record Pids(long limit) {}
}
