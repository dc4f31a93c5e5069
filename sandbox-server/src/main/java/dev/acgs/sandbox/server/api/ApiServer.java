package dev.acgs.sandbox.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.acgs.sandbox.core.InvalidSpecException;
import dev.acgs.sandbox.runtime.ExecIo;
import dev.acgs.sandbox.server.service.ExecView;
import dev.acgs.sandbox.server.service.SandboxRequest;
import dev.acgs.sandbox.server.service.SandboxRequest.CommandRequest;
import dev.acgs.sandbox.server.service.SandboxRequest.RunRequest;
import dev.acgs.sandbox.server.service.SandboxService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API under /v1 (documented in openapi.json, served at /v1/openapi.json). Every /v1 call
 * needs {@code Authorization: Bearer TOKEN}; a tenant sees only its own sandboxes, and another
 * tenant's id answers 404 exactly as a missing one does. Errors are JSON
 * {@code {"code", "message", "field"}}.
 */
public final class ApiServer {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  public static final String OPENAPI_RESOURCE = "/openapi.json";

  static final ObjectMapper JSON = JsonMapper.builder()
      .findAndAddModules()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .defaultPropertyInclusion(com.fasterxml.jackson.annotation.JsonInclude.Value.construct(
          com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL, com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL))
      .build();

  private final SandboxService service;
  private final TokenStore tokens;
  private final long maxBodyBytes;
  private final long maxFileBytes;
  private final java.util.List<String> routes = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final dev.acgs.sandbox.server.metrics.PrometheusMetrics metrics;

  public ApiServer(SandboxService service, TokenStore tokens, long maxBodyBytes, long maxFileBytes,
      dev.acgs.sandbox.server.metrics.PrometheusMetrics metrics) {
    this.metrics = metrics;
    this.service = service;
    this.tokens = tokens;
    this.maxBodyBytes = maxBodyBytes;
    this.maxFileBytes = maxFileBytes;
  }

  /** The matched route pattern (bounded), never the raw path: unmatched requests share one label. */
  static String routeOf(io.javalin.http.Context ctx) {
    try {
      io.javalin.router.Endpoint e = ctx.endpoints().lastHttpEndpoint();
      return e == null ? "unmatched" : e.path;
    } catch (RuntimeException e) {
      return "unmatched";
    }
  }

  public Javalin create() {
    return Javalin.create(cfg -> {
      cfg.concurrency.useVirtualThreads = true;
      cfg.http.maxRequestSize = Math.max(maxBodyBytes, maxFileBytes);
      // compression buffers a response until it ends: streamed exec output must go out as it comes
      cfg.http.compressionStrategy = io.javalin.compression.CompressionStrategy.NONE;
      cfg.jsonMapper(new JavalinJackson(JSON, true));
      cfg.startup.showJavalinBanner = false;
      cfg.events.handlerAdded(h -> {
        String m = h.getHttpMethod().name();
        if (!m.startsWith("BEFORE") && !m.startsWith("AFTER")) {
          routes.add(m + " " + h.getPath());
        }
      });
      cfg.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
      cfg.routes.get("/readyz", ctx -> {
        boolean ready = service.ready();
        ctx.status(ready ? 200 : 503).json(Map.of("status", ready ? "ready" : "not ready"));
      });
      // Prometheus text by default, OpenMetrics when the Accept header asks; no token: it holds no
      // tenant's data (no sandbox ids, no tenants), like /healthz
      cfg.routes.get("/metrics", ctx -> {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        String type = metrics.scrape(ctx.header("Accept"), out);
        ctx.contentType(type).result(out.toByteArray());
      });
      cfg.routes.after(ctx -> metrics.apiRequest(ctx.method().name(), routeOf(ctx), ctx.status().getCode()));
      cfg.routes.before("/v1/*", this::authenticate);
      cfg.routes.get("/v1/openapi.json", ctx -> {
        try (InputStream in = ApiServer.class.getResourceAsStream(OPENAPI_RESOURCE)) {
          ctx.contentType("application/json").result(in.readAllBytes());
        }
      });
      cfg.routes.post("/v1/sandboxes", ctx -> ctx.status(201).json(service.create(tenant(ctx), body(ctx, SandboxRequest.class, true))));
      cfg.routes.get("/v1/sandboxes", ctx -> ctx.json(Map.of("sandboxes",
          service.list(tenant(ctx), Optional.ofNullable(ctx.queryParam("label"))))));
      cfg.routes.get("/v1/sandboxes/{id}", ctx -> ctx.json(service.get(tenant(ctx), ctx.pathParam("id"))));
      cfg.routes.delete("/v1/sandboxes/{id}", ctx -> {
        service.delete(tenant(ctx), ctx.pathParam("id"));
        ctx.status(204);
      });
      cfg.routes.post("/v1/sandboxes/{id}/exec", ctx ->
          ctx.json(service.exec(tenant(ctx), ctx.pathParam("id"), body(ctx, CommandRequest.class, false), ExecIo.NONE)));
      cfg.routes.post("/v1/sandboxes/{id}/exec/stream", this::execStream);
      cfg.routes.put("/v1/sandboxes/{id}/files", ctx -> {
        service.putFile(tenant(ctx), ctx.pathParam("id"), ctx.queryParam("path"), ctx.bodyAsBytes());
        ctx.status(204);
      });
      cfg.routes.get("/v1/sandboxes/{id}/files", ctx -> ctx.contentType("application/octet-stream")
          .result(service.getFile(tenant(ctx), ctx.pathParam("id"), ctx.queryParam("path"))));
      cfg.routes.post("/v1/run", ctx -> ctx.json(service.run(tenant(ctx), body(ctx, RunRequest.class, false))));
      cfg.routes.get("/v1/events", ctx -> {
        long since = longParam(ctx, "since", 0);
        int limit = (int) longParam(ctx, "limit", 100);
        var events = service.events(tenant(ctx), since, Optional.ofNullable(ctx.queryParam("type")), limit);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("events", events);
        page.put("next", events.isEmpty() ? since : events.getLast().seq());
        ctx.json(page);
      });
      cfg.routes.get("/v1/pools", ctx -> ctx.json(Map.of("pools", service.pools())));

      cfg.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage(), e.field().orElse(null)));
      cfg.routes.exception(InvalidSpecException.class, (e, ctx) -> error(ctx, 400, "invalid_value", e.getMessage(), e.field()));
      cfg.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
          e.getStatus() == 413 ? "too_large" : "http_error",
          e.getStatus() == 413 ? "request body too large: the maximum is " + Math.max(maxBodyBytes, maxFileBytes) + " bytes" : e.getMessage(),
          e.getStatus() == 413 ? "body" : null));
      cfg.routes.exception(Exception.class, (e, ctx) -> {
        LOG.error("internal error on {} {}", ctx.method(), ctx.path(), e);
        error(ctx, 500, "internal", "internal error: " + e.getMessage(), null);
      });
      cfg.routes.error(404, ctx -> {
        if (ctx.result() == null || ctx.result().isEmpty()) {
          error(ctx, 404, "no_route", "no route " + ctx.method() + " " + ctx.path() + " (see /v1/openapi.json)", null);
        }
      });
      cfg.routes.error(405, ctx -> error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path(), null));
    });
  }

  /** Every route as "METHOD /path" (known once {@link #create()} ran), for checking the OpenAPI document. */
  public java.util.List<String> routes() {
    return java.util.List.copyOf(routes);
  }

  private void authenticate(Context ctx) {
    String h = ctx.header("Authorization");
    Optional<String> tenant = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)
        ? tokens.tenantOf(h.substring(7).strip()) : Optional.empty();
    if (tenant.isEmpty()) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiException(401, "unauthorized", "a valid bearer token is required (Authorization: Bearer TOKEN)", null);
    }
    ctx.attribute("tenant", tenant.get());
    // refuse an oversized body from its Content-Length, before anything reads it: a client that sent
    // Expect: 100-continue then gets the 413 instead of a go-ahead, and never uploads the body
    long limit = Math.max(maxBodyBytes, maxFileBytes);
    if (ctx.contentLength() > limit) {
      ctx.header("Connection", "close");
      throw new ApiException(413, "too_large", "request body too large: the maximum is " + limit + " bytes", "body");
    }
  }

  private static String tenant(Context ctx) {
    return ctx.attribute("tenant");
  }

  private static void error(Context ctx, int status, String code, String message, String field) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code);
    body.put("message", message);
    if (field != null) {
      body.put("field", field);
    }
    ctx.status(status).json(body);
  }

  private static long longParam(Context ctx, String name, long dflt) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("wrong_type", name, "query parameter '" + name + "' must be a whole number (got '" + v + "')");
    }
  }

  /** Parses a JSON body strictly; every mistake becomes a 400 naming the field. */
  static <T> T body(Context ctx, Class<T> type, boolean emptyAllowed) {
    byte[] bytes = ctx.bodyAsBytes();
    if (bytes.length == 0) {
      if (emptyAllowed) {
        bytes = "{}".getBytes(StandardCharsets.UTF_8);
      } else {
        throw ApiException.badRequest("missing_body", "body", "a JSON body is required");
      }
    }
    try {
      return JSON.readValue(bytes, type);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(Object::toString).sorted()
          .collect(Collectors.joining(", "));
      throw ApiException.badRequest("unknown_field", path(e), "unknown field '" + path(e) + "'; allowed: " + known);
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      String p = path(e);
      throw ApiException.badRequest("wrong_type", p.isEmpty() ? "body" : p, (p.isEmpty() ? "the body" : "field '" + p + "'")
          + " must be " + expected(e.getTargetType()));
    } catch (JsonMappingException e) {
      String p = path(e);
      throw ApiException.badRequest("wrong_type", p.isEmpty() ? "body" : p, (p.isEmpty() ? "the body" : "field '" + p + "'")
          + " has the wrong type or value: " + e.getOriginalMessage().replaceAll("\\s*\\(.*", ""));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("malformed_json", "body", "the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("malformed_json", "body", "the body could not be read: " + e.getMessage());
    }
  }

  static String expected(Class<?> t) {
    if (t == null) {
      return "of another type";
    }
    if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
      return "a whole number";
    }
    if (t == Double.class || t == double.class) {
      return "a number";
    }
    if (t == String.class) {
      return "a string";
    }
    if (t == Boolean.class || t == boolean.class) {
      return "true or false";
    }
    if (java.util.Collection.class.isAssignableFrom(t)) {
      return "an array";
    }
    return "an object";
  }

  static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
  }

  /** Server-Sent Events: {@code stdout}/{@code stderr} events as output arrives, then one {@code exit}. */
  private void execStream(Context ctx) throws Exception {
    String tenant = tenant(ctx);
    String id = ctx.pathParam("id");
    CommandRequest req = body(ctx, CommandRequest.class, false);
    BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
    ExecIo io = ExecIo.streaming(
        chunk -> events.add(new String[] {"stdout", new String(chunk, StandardCharsets.UTF_8)}),
        chunk -> events.add(new String[] {"stderr", new String(chunk, StandardCharsets.UTF_8)}));
    // Validation and not-found errors surface as ordinary JSON errors before the stream starts.
    service.get(tenant, id);
    CompletableFuture<ExecView> done = CompletableFuture.supplyAsync(() -> service.exec(tenant, id, req, io),
        r -> Thread.ofVirtual().start(r));
    ctx.contentType("text/event-stream").header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no");
    OutputStream out = ctx.res().getOutputStream();
    while (true) {
      String[] ev = events.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
      if (ev != null) {
        send(out, ev[0], JSON.writeValueAsString(Map.of("data", ev[1])));
        continue;
      }
      if (done.isDone()) {
        String[] rest;
        while ((rest = events.poll()) != null) {
          send(out, rest[0], JSON.writeValueAsString(Map.of("data", rest[1])));
        }
        try {
          send(out, "exit", JSON.writeValueAsString(done.join()));
        } catch (java.util.concurrent.CompletionException e) {
          Throwable c = e.getCause();
          Map<String, Object> err = new LinkedHashMap<>();
          err.put("code", c instanceof ApiException a ? a.code() : "internal");
          err.put("message", c.getMessage());
          send(out, "error", JSON.writeValueAsString(err));
        }
        return;
      }
    }
  }

  private static void send(OutputStream out, String event, String data) throws IOException {
    out.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
