package dev.acgs.sandbox.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acgs.sandbox.cli.Main;
import dev.acgs.sandbox.client.SandboxClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ParseResult;

/** {@code sandboxctl --server URL run ...}: the same run, through a controller's {@code POST /v1/run}. */
final class RemoteRun {
  private RemoteRun() {}

  static int run(String server, String token, ParseResult parsed, SpecOptions o, List<String> command, long maxOutput,
      boolean json, boolean interactive) {
    if (token == null || token.isBlank()) {
      System.err.println("sandboxctl: --server needs a token: --token TOKEN or $SANDBOXCTL_TOKEN");
      return Main.EXIT_USAGE;
    }
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("argv", command);
    Map<String, Object> limits = new LinkedHashMap<>();
    // only what the user set: the server's template (and its warm pool) decides the rest
    if (parsed.hasMatchedOption("--runtime")) {
      req.put("runtime", o.runtime);
    }
    if (parsed.hasMatchedOption("--image")) {
      req.put("image", o.image);
    }
    if (parsed.hasMatchedOption("--profile")) {
      req.put("seccompProfile", o.profile);
    }
    if (parsed.hasMatchedOption("--memory")) {
      limits.put("memory", o.memory);
    }
    if (parsed.hasMatchedOption("--cpus")) {
      limits.put("cpus", Double.parseDouble(o.cpus));
    }
    if (parsed.hasMatchedOption("--pids")) {
      limits.put("pids", Integer.parseInt(o.pids));
    }
    if (!limits.isEmpty()) {
      req.put("limits", limits);
    }
    if (parsed.hasMatchedOption("--timeout")) {
      req.put("timeout", o.timeout);
    }
    if (!o.env.isEmpty()) {
      req.put("env", SpecOptions.pairs("--env", o.env));
    }
    req.put("maxOutputBytes", maxOutput);
    if (interactive) {
      try {
        req.put("stdin", new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    SandboxClient client = new SandboxClient(URI.create(server.endsWith("/") ? server : server + "/"), token);
    JsonNode r;
    try {
      r = client.run(req);
    } catch (SandboxClient.ApiError e) {
      System.err.println("sandboxctl: " + e.getMessage());
      return e.status() / 100 == 4 && e.status() != 404 ? Main.EXIT_USAGE : Main.EXIT_FAILURE;
    }
    if (json) {
      Output.printJson(r);
    } else {
      System.out.print(r.path("stdout").asText());
      System.err.print(r.path("stderr").asText());
      System.out.flush();
      if (r.path("stdoutTruncated").asBoolean() || r.path("stderrTruncated").asBoolean()) {
        System.err.println("sandboxctl: output was truncated at " + maxOutput + " bytes per stream");
      }
      if (r.hasNonNull("termination")) {
        System.err.println("sandboxctl: the sandbox ended the command: " + r.get("termination").asText());
      }
    }
    return "timeout".equals(r.path("termination").asText()) ? Main.EXIT_TIMEOUT : r.path("exitCode").asInt();
  }
}
