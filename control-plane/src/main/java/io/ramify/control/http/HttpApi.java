package io.ramify.control.http;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON-over-HTTP server of the API: the JDK's HTTP server, a bounded worker pool, one error
 * format ({@code {"code", "message"}}) for every failure, a request id per call (the client's
 * {@code Idempotency-Key} header when it sends one, so a retried call is recognised), and a log
 * line per request that failed.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  /** Concurrent requests; branch and compute operations wait on Raft and Postgres, so a few. */
  static final int WORKERS = 16;
  /** Requests waiting for a worker before the server answers 503. */
  static final int QUEUE_MAX = 256;
  /** Largest request body accepted. */
  static final int BODY_BYTES_MAX = 1 << 20;
  public static final String REQUEST_ID_HEADER = "Idempotency-Key";

  public static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
      .configure(SerializationFeature.INDENT_OUTPUT, true)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private final HttpServer server;
  private final ThreadPoolExecutor workers;

  private HttpApi(HttpServer server, ThreadPoolExecutor workers) {
    this.server = server;
    this.workers = workers;
  }

  public static HttpApi start(String host, int port, Router router, MetricRegistry metrics) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    ThreadPoolExecutor workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE_MAX), r -> {
          Thread t = new Thread(r, "api-worker");
          t.setDaemon(true);
          return t;
        }, (r, pool) -> {
          throw new java.util.concurrent.RejectedExecutionException("busy");
        });
    server.setExecutor(command -> {
      try {
        workers.execute(command);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        LOG.warn("API busy: {} requests queued; answering 503", QUEUE_MAX);
        throw e;
      }
    });
    Timer requests = metrics.timer("api.requests");
    server.createContext("/", ex -> {
      try (Timer.Context ignored = requests.time()) {
        handle(ex, router, metrics);
      }
    });
    server.start();
    return new HttpApi(server, workers);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void handle(HttpExchange ex, Router router, MetricRegistry metrics) throws IOException {
    String method = ex.getRequestMethod();
    URI uri = ex.getRequestURI();
    String path = uri.getRawPath();
    String requestId = ex.getRequestHeaders().getFirst(REQUEST_ID_HEADER);
    int status;
    Object body;
    try {
      if (requestId != null && (requestId.isBlank() || requestId.length() > 128)) {
        throw ApiException.badRequest(REQUEST_ID_HEADER + " must be 1 to 128 characters");
      }
      Router.Match m = router.match(method, path).orElseThrow(() -> ApiException.notFound(
          "no such resource: " + path + "; see /v1/openapi.json"));
      byte[] in = readBody(ex.getRequestBody());
      Request req = new Request(method, path, m.params(), query(uri.getRawQuery()), in,
          requestId == null ? UUID.randomUUID().toString() : requestId, JSON);
      Object out = m.handler().handle(req);
      if (out instanceof Router.Response r) {
        status = r.status();
        body = r.body();
      } else {
        status = 200;
        body = out;
      }
    } catch (ApiException e) {
      status = e.status();
      body = new ApiException.Body(e.code(), e.getMessage());
      metrics.counter("api.errors." + e.code()).inc();
      if (status >= 500) {
        LOG.warn("{} {} -> {} {}: {}", method, path, status, e.code(), e.getMessage(), e.getCause());
      } else {
        LOG.info("{} {} -> {} {}: {}", method, path, status, e.code(), e.getMessage());
      }
    } catch (Exception e) {
      status = 500;
      body = new ApiException.Body("INTERNAL", "internal error: " + e + "; the server log has details");
      metrics.counter("api.errors.INTERNAL").inc();
      LOG.error("{} {} failed", method, path, e);
    }
    byte[] bytes = body == null ? new byte[0]
        : body instanceof byte[] b ? b : body instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
        : JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", body instanceof String ? "text/plain; charset=utf-8"
        : "application/json");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] b = in.readNBytes(BODY_BYTES_MAX + 1);
    if (b.length > BODY_BYTES_MAX) {
      throw new ApiException(413, "TOO_LARGE", "request body larger than " + BODY_BYTES_MAX + " bytes");
    }
    return b;
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(1);
    workers.shutdownNow();
  }
}
