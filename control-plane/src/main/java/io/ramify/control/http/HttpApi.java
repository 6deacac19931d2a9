package io.ramify.control.http;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ramify.control.ControlError;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON-over-HTTP server of the API: the JDK's HTTP server with an exchange per virtual thread
 * and deadlines for slow clients ({@link ClientDeadlines}), a bounded number of requests worked on
 * at once ({@link Workers}), one error format ({@code {"code", "message"}}) for every failure (a
 * {@link ControlError} from the operations gets its status from {@link ApiErrors}), a
 * request id per call (the client's {@code Idempotency-Key} header when it sends one), the same
 * answer for every request with one key ({@link Idempotency}), and a log line per request that
 * failed.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** Largest request body accepted. */
    static final int BODY_BYTES_MAX = 1 << 20;
    /** Connections waiting for the server to accept them (the kernel's listen backlog). */
    static final int ACCEPT_BACKLOG = 64;

    public static final String REQUEST_ID_HEADER = "Idempotency-Key";
    /** Methods whose requests change something: their answers are kept by Idempotency-Key. */
    private static final Set<String> CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");

    public static final ObjectMapper JSON = strictJson();

    private final HttpServer server;
    private final ClientDeadlines deadlines;

    private HttpApi(HttpServer server, ClientDeadlines deadlines) {
        this.server = server;
        this.deadlines = deadlines;
    }

    /**
     * Refuses unknown fields and values of the wrong JSON type: {@code {"name": 123}} is an error,
     * not a branch called "123"; nor does {@code "5"} become a number or {@code 1.5} an integer.
     */
    private static ObjectMapper strictJson() {
        ObjectMapper m = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false)
                .configure(SerializationFeature.INDENT_OUTPUT, true)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL);
        for (CoercionInputShape shape :
                List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return m;
    }

    public static HttpApi start(String host, int port, Router router, MetricRegistry metrics) throws IOException {
        return start(host, port, router, metrics, ClientDeadlines.REQUEST_READ_MAX);
    }

    /** With another request deadline than {@link ClientDeadlines#REQUEST_READ_MAX} (tests). */
    static HttpApi start(String host, int port, Router router, MetricRegistry metrics, Duration requestReadMax)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), ACCEPT_BACKLOG);
        ClientDeadlines deadlines = new ClientDeadlines(requestReadMax, metrics.counter("api.clients_cut"));
        server.setExecutor(deadlines.executor());
        Handling h = new Handling(router, metrics, new Workers(), new Idempotency(System::nanoTime));
        Timer requests = metrics.timer("api.requests");
        server.createContext("/", ex -> {
            try (Timer.Context ignored = requests.time()) {
                h.handle(ex);
            }
        });
        server.start();
        return new HttpApi(server, deadlines);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** One exchange: read, answer (once per key), write. */
    private record Handling(Router router, MetricRegistry metrics, Workers workers, Idempotency answers) {
        void handle(HttpExchange ex) throws IOException {
            String method = ex.getRequestMethod();
            URI uri = ex.getRequestURI();
            String path = uri.getRawPath();
            Idempotency.Answer a;
            try {
                byte[] in = readBody(ex.getRequestBody());
                ClientDeadlines.requestRead();
                a = answer(method, uri, in, ex.getRequestHeaders().getFirst(REQUEST_ID_HEADER));
            } catch (ApiException e) {
                a = Idempotency.error(e.status(), e.code(), e.getMessage());
            }
            ClientDeadlines.writing();
            ex.getResponseHeaders().set("Content-Type", a.contentType());
            ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
            if (a.body().length > 0) {
                ex.getResponseBody().write(a.body());
            }
            ex.close();
            ClientDeadlines.done();
        }

        private Idempotency.Answer answer(String method, URI uri, byte[] in, String key) {
            if (key != null && (key.isBlank() || key.length() > 128)) {
                return Idempotency.error(400, "INVALID_ARGUMENT", REQUEST_ID_HEADER + " must be 1 to 128 characters");
            }
            if (key == null || !CHANGING.contains(method)) {
                return work(method, uri, in, key == null ? UUID.randomUUID().toString() : key);
            }
            String target = uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
            return answers.answer(key, Idempotency.describe(method, target, in), () -> work(method, uri, in, key));
        }

        private Idempotency.Answer work(String method, URI uri, byte[] in, String requestId) {
            String path = uri.getRawPath();
            int status;
            Object body;
            try {
                Router.Match m = router.match(method, path)
                        .orElseThrow(
                                () -> ApiException.notFound("no such resource: " + path + "; see /v1/openapi.json"));
                Request req = new Request(method, path, m.params(), query(uri.getRawQuery()), in, requestId, JSON);
                Object out;
                if (m.queued()) {
                    try (Workers.Turn ignored = workers.take()) {
                        out = m.handler().handle(req);
                    }
                } else {
                    out = m.handler().handle(req);
                }
                if (out instanceof Router.Response r) {
                    status = r.status();
                    body = r.body();
                } else {
                    status = 200;
                    body = out;
                }
            } catch (ControlError e) {
                return refused(method, path, ApiErrors.toApi(e));
            } catch (ApiException e) {
                return refused(method, path, e);
            } catch (Exception e) {
                metrics.counter("api.errors.INTERNAL").inc();
                LOG.error("{} {} failed", method, path, e);
                return Idempotency.error(500, "INTERNAL", "internal error: " + e + "; the server log has details");
            }
            return new Idempotency.Answer(
                    status, bytes(body), body instanceof String ? "text/plain; charset=utf-8" : "application/json");
        }

        private Idempotency.Answer refused(String method, String path, ApiException e) {
            metrics.counter("api.errors." + e.code()).inc();
            if (e.status() >= 500) {
                LOG.warn("{} {} -> {} {}: {}", method, path, e.status(), e.code(), e.getMessage(), e.getCause());
            } else {
                LOG.info("{} {} -> {} {}: {}", method, path, e.status(), e.code(), e.getMessage());
            }
            return Idempotency.error(e.status(), e.code(), e.getMessage());
        }
    }

    private static byte[] bytes(Object body) {
        try {
            return body == null
                    ? new byte[0]
                    : body instanceof byte[] b
                            ? b
                            : body instanceof String s
                                    ? s.getBytes(StandardCharsets.UTF_8)
                                    : JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an answer does not serialize: " + body.getClass(), e);
        }
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
        deadlines.close();
    }
}
