package io.ramify.bench.branching;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import io.ramify.control.http.HttpApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * The REST API, one attempt per call. Unlike {@code ApiClient} it never retries (a retry would hide
 * a failure inside a latency figure): any answer but 2xx, or no answer, ends the run with the
 * method, path, status and body.
 */
final class Rest {
    /** Compute starts wait for Postgres start-up and crash recovery. */
    static final Duration CALL_MAX = Duration.ofMinutes(10);

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    Rest(int port) {
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    <T> T get(String path, Class<T> type) {
        return call("GET", path, null, HttpApi.JSON.constructType(type));
    }

    <T> T get(String path, TypeReference<T> type) {
        return call("GET", path, null, HttpApi.JSON.getTypeFactory().constructType(type));
    }

    <T> T post(String path, Object body, Class<T> type) {
        return call("POST", path, body, HttpApi.JSON.constructType(type));
    }

    <T> T delete(String path, Class<T> type) {
        return call("DELETE", path, null, HttpApi.JSON.constructType(type));
    }

    private <T> T call(String method, String path, Object body, JavaType type) {
        try {
            byte[] in = body == null ? new byte[0] : HttpApi.JSON.writeValueAsBytes(body);
            HttpRequest req = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(CALL_MAX)
                    .header("Content-Type", "application/json")
                    .header(HttpApi.REQUEST_ID_HEADER, UUID.randomUUID().toString())
                    .method(
                            method,
                            in.length == 0
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(in))
                    .build();
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (resp.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " answered " + resp.statusCode() + ": "
                        + new String(resp.body(), StandardCharsets.UTF_8));
            }
            return HttpApi.JSON.readValue(resp.body(), type);
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " got no answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }
}
