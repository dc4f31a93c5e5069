package dev.acgs.sandbox.core.model;

import java.time.Duration;

/** The most any request may ask for. Set by the operator, never by a request. */
public record LimitMaxima(
    double cpus, ByteSize memory, int pids, ByteSize tmpSize, int openFiles, Duration timeout) {

  public static final LimitMaxima DEFAULT =
      new LimitMaxima(2.0, ByteSize.ofMiB(4096), 4096, ByteSize.ofMiB(1024), 65_536, Duration.ofHours(1));
}
