package io.ramify.common.ops;

import com.codahale.metrics.MetricRegistry;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A tiny HTTP server for operators: {@code GET /metrics} (Prometheus text) and {@code GET /health}
 * (JSON from the given supplier; status 200 when healthy, 503 when not).
 */
public final class OpsHttpServer implements AutoCloseable {
    /** What /health reports: a JSON document and whether the process is healthy. */
    public record Health(boolean ok, String json) {}

    private final HttpServer server;

    private OpsHttpServer(HttpServer server) {
        this.server = server;
    }

    public static OpsHttpServer start(String host, int port, MetricRegistry metrics, Supplier<Health> health)
            throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(host, port), 16);
        s.createContext("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4", PrometheusText.render(metrics)));
        s.createContext("/health", ex -> {
            Health h = health.get();
            reply(ex, h.ok() ? 200 : 503, "application/json", h.json());
        });
        s.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        }));
        s.start();
        return new OpsHttpServer(s);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
