package dev.acgs.sandbox.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Java client of the controller's HTTP API. Request bodies are maps or JSON trees mirroring
 * openapi.json; answers are JSON trees. A non-2xx answer throws {@link ApiError} with the server's
 * {@code code}, {@code message} and {@code field}.
 */
public final class SandboxClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String token;
  private final HttpClient http;

  public SandboxClient(URI base, String token) {
    this.base = base;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The server's answer to a request it refused. */
  public static final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final String field;

    ApiError(int status, String code, String message, String field) {
      super(status + " " + code + ": " + message + (field == null ? "" : " [field " + field + "]"));
      this.status = status;
      this.code = code;
      this.field = field;
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }

    /** The offending field, or null. */
    public String field() {
      return field;
    }
  }

  public JsonNode createSandbox(Map<String, ?> request) {
    return send("POST", "/v1/sandboxes", json(request));
  }

  public JsonNode getSandbox(String id) {
    return send("GET", "/v1/sandboxes/" + id, null);
  }

  public JsonNode listSandboxes() {
    return send("GET", "/v1/sandboxes", null).get("sandboxes");
  }

  public JsonNode listSandboxes(String label) {
    return send("GET", "/v1/sandboxes?label=" + URLEncoder.encode(label, StandardCharsets.UTF_8), null).get("sandboxes");
  }

  public void deleteSandbox(String id) {
    send("DELETE", "/v1/sandboxes/" + id, null);
  }

  public JsonNode exec(String id, Map<String, ?> command) {
    return send("POST", "/v1/sandboxes/" + id + "/exec", json(command));
  }

  /**
   * Streams a command's output: {@code onEvent} gets ("stdout"|"stderr", text) as the server sends
   * it. Returns the final result; a streamed error throws {@link ApiError}.
   */
  public JsonNode execStream(String id, Map<String, ?> command, BiConsumer<String, String> onEvent) {
    HttpRequest req = request("/v1/sandboxes/" + id + "/exec/stream").header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(json(command))).build();
    try {
      HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (resp.statusCode() / 100 != 2) {
        throw error(resp.statusCode(), new String(resp.body().readAllBytes(), StandardCharsets.UTF_8));
      }
      try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
        String event = null;
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ") && event != null) {
            JsonNode data = JSON.readTree(line.substring(6));
            switch (event) {
              case "exit" -> {
                return data;
              }
              case "error" -> throw new ApiError(200, data.path("code").asText(), data.path("message").asText(), null);
              default -> onEvent.accept(event, data.path("data").asText());
            }
          }
        }
      }
      throw new ApiError(200, "stream_ended", "the stream ended without an exit event", null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public JsonNode run(Map<String, ?> request) {
    return send("POST", "/v1/run", json(request));
  }

  public void putFile(String id, String path, byte[] content) {
    HttpRequest req = request("/v1/sandboxes/" + id + "/files?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8))
        .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build();
    sendBytes(req);
  }

  public byte[] getFile(String id, String path) {
    return sendBytes(request("/v1/sandboxes/" + id + "/files?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8)).GET().build());
  }

  public JsonNode events(long since, String type) {
    return send("GET", "/v1/events?since=" + since + (type == null ? "" : "&type=" + URLEncoder.encode(type, StandardCharsets.UTF_8)), null);
  }

  public JsonNode pools() {
    return send("GET", "/v1/pools", null).get("pools");
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(5));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private static String json(Map<String, ?> body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends a JSON request; returns the parsed answer (an empty object for 204). */
  public JsonNode send(String method, String path, String body) {
    HttpRequest req = request(path).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
    byte[] answer = sendBytes(req);
    try {
      return answer.length == 0 ? JSON.createObjectNode() : JSON.readTree(answer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] sendBytes(HttpRequest req) {
    try {
      HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
      if (resp.statusCode() / 100 != 2) {
        throw error(resp.statusCode(), new String(resp.body(), StandardCharsets.UTF_8));
      }
      return resp.body();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach " + base + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static ApiError error(int status, String body) {
    try {
      JsonNode e = JSON.readTree(body);
      return new ApiError(status, e.path("code").asText("http_" + status), e.path("message").asText(body),
          e.hasNonNull("field") ? e.get("field").asText() : null);
    } catch (IOException notJson) {
      return new ApiError(status, "http_" + status, body, null);
    }
  }
}
