package dev.acgs.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A container of any of the three kinds (containers, initContainers, ephemeralContainers) with its
 * manifest path. The checks treat all three alike, as pod-security-admission does; fabric8 models the
 * ephemeral kind as a separate class, hence this view.
 */
record ContainerRef(String path, Optional<SecurityContext> securityContext, List<ContainerPort> ports) {

  /** Every container of the spec, regular ones first, each with a path under {@code prefix}. */
  static List<ContainerRef> all(PodSpec spec, String prefix) {
    List<ContainerRef> all = new ArrayList<>();
    List<Container> containers = nonNull(spec.getContainers());
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      all.add(new ContainerRef(prefix + ".containers[" + i + "]", Optional.ofNullable(c.getSecurityContext()), nonNull(c.getPorts())));
    }
    List<Container> init = nonNull(spec.getInitContainers());
    for (int i = 0; i < init.size(); i++) {
      Container c = init.get(i);
      all.add(new ContainerRef(prefix + ".initContainers[" + i + "]", Optional.ofNullable(c.getSecurityContext()), nonNull(c.getPorts())));
    }
    List<EphemeralContainer> ephemeral = nonNull(spec.getEphemeralContainers());
    for (int i = 0; i < ephemeral.size(); i++) {
      EphemeralContainer c = ephemeral.get(i);
      all.add(new ContainerRef(prefix + ".ephemeralContainers[" + i + "]", Optional.ofNullable(c.getSecurityContext()), nonNull(c.getPorts())));
    }
    return all;
  }

  /** Path of a field of this container's securityContext. */
  String field(String name) {
    return path + ".securityContext." + name;
  }

  static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
