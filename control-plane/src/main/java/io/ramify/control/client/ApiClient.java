package io.ramify.control.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import io.ramify.control.http.ApiException;
import io.ramify.control.http.HttpApi;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * A client of the REST API (the CLI and tests use it). Each call carries an Idempotency-Key; a
 * call that got no answer (connection refused or reset, 503) is retried with the same key, a
 * bounded number of times, so it is applied once. API errors come back as {@link ApiException}.
 */
public final class ApiClient {
    /** Attempts per call while the API is unreachable or answers 503. */
    static final int ATTEMPTS_MAX = 5;

    static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
    /** Branch and compute operations can wait on Postgres start-up and recovery. */
    static final Duration CALL_TIMEOUT = Duration.ofMinutes(10);

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public ApiClient(String baseUrl) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
    }

    public URI base() {
        return base;
    }

    public static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public <T> T get(String path, Class<T> type) {
        return call("GET", path, null, HttpApi.JSON.constructType(type));
    }

    public <T> T get(String path, TypeReference<T> type) {
        return call("GET", path, null, HttpApi.JSON.getTypeFactory().constructType(type));
    }

    public <T> T post(String path, Object body, Class<T> type) {
        return call("POST", path, body, HttpApi.JSON.constructType(type));
    }

    public <T> T patch(String path, Object body, Class<T> type) {
        return call("PATCH", path, body, HttpApi.JSON.constructType(type));
    }

    public <T> T delete(String path, Class<T> type) {
        return call("DELETE", path, null, HttpApi.JSON.constructType(type));
    }

    /** The raw body of a GET (e.g. the OpenAPI document). */
    public String getText(String path) {
        return call("GET", path, null, null);
    }

    @SuppressWarnings("unchecked")
    private <T> T call(String method, String path, Object body, JavaType type) {
        String key = UUID.randomUUID().toString();
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
            try {
                byte[] in = body == null ? new byte[0] : HttpApi.JSON.writeValueAsBytes(body);
                HttpRequest req = HttpRequest.newBuilder(base.resolve(path))
                        .timeout(CALL_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .header(HttpApi.REQUEST_ID_HEADER, key)
                        .method(
                                method,
                                in.length == 0
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(in))
                        .build();
                HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                if (resp.statusCode() >= 400) {
                    ApiException.Body err;
                    try {
                        err = HttpApi.JSON.readValue(resp.body(), ApiException.Body.class);
                    } catch (IOException e) {
                        err = new ApiException.Body(
                                "HTTP_" + resp.statusCode(), new String(resp.body(), StandardCharsets.UTF_8));
                    }
                    if (resp.statusCode() == 503 && attempt < ATTEMPTS_MAX) {
                        last = new IOException(err.message());
                        sleep();
                        continue;
                    }
                    throw new ApiException(resp.statusCode(), err.code(), err.message());
                }
                if (type == null) {
                    return (T) new String(resp.body(), StandardCharsets.UTF_8);
                }
                return HttpApi.JSON.readValue(resp.body(), type);
            } catch (ConnectException e) {
                last = e;
                sleep();
            } catch (IOException e) {
                last = e;
                sleep();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(499, "INTERRUPTED", "interrupted calling " + method + " " + path);
            }
        }
        throw new ApiException(
                503,
                "UNREACHABLE",
                "the Ramify API at " + base + " did not answer " + method + " " + path + " after " + ATTEMPTS_MAX
                        + " attempts (" + last + "); is it running? (ramify up)");
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
