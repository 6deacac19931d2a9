package io.ramify.control.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.codahale.metrics.MetricRegistry;
import io.ramify.control.ControlError;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The mapping of the control plane's typed errors to HTTP: every kind of {@link ControlError} (the
 * sealed class's permitted subclasses, so a new kind without a row here fails) has its status, and
 * its code and message reach the client as they are, in {@code {"code": …, "message": …}}.
 */
class ApiErrorsTest {
    /** What each kind of error is answered with; clients and the CLI depend on these. */
    static final Map<Class<?>, Integer> STATUS = Map.of(
            ControlError.InvalidArgument.class, 400,
            ControlError.NotFound.class, 404,
            ControlError.Conflict.class, 409,
            ControlError.OutOfHistory.class, 422,
            ControlError.LimitExceeded.class, 429,
            ControlError.Failed.class, 500,
            ControlError.Unavailable.class, 503);

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyKindOfErrorHasItsStatusAndKeepsItsCodeMessageAndCause() throws Exception {
        assertEquals(
                STATUS.keySet(),
                Set.of(ControlError.class.getPermittedSubclasses()),
                "every kind of ControlError has a row in STATUS");
        for (Class<?> kind : ControlError.class.getPermittedSubclasses()) {
            Throwable cause = new IllegalStateException("the part's own failure");
            ControlError e = make(kind, "SOME_CODE", "what was wrong; what to do", cause);
            ApiException a = ApiErrors.toApi(e);
            assertEquals(STATUS.get(kind), a.status(), kind.getSimpleName());
            assertEquals(STATUS.get(kind), ApiErrors.status(e), kind.getSimpleName());
            assertEquals("SOME_CODE", a.code(), kind.getSimpleName());
            assertEquals("what was wrong; what to do", a.getMessage(), kind.getSimpleName());
            assertSame(cause, a.getCause(), kind.getSimpleName());
        }
    }

    @Test
    void theShorthandsAreTheCodesTheApiHadForThem() {
        ControlError bad = ControlError.invalidArgument("'name' is required");
        assertEquals(400, ApiErrors.status(bad));
        assertEquals("INVALID_ARGUMENT", bad.code());
        ControlError later = ControlError.unavailable("the catalog did not answer", null);
        assertEquals(503, ApiErrors.status(later));
        assertEquals("UNAVAILABLE", later.code());
    }

    /** Through the server: a handler's ControlError is the response's status and JSON body. */
    @Test
    void aHandlersErrorIsAnsweredWithItsStatusAndBody() throws Exception {
        Router r = new Router().add("POST", "/fail/{kind}", req -> {
            Class<?> kind = Arrays.stream(ControlError.class.getPermittedSubclasses())
                    .filter(c -> c.getSimpleName().equals(req.param("kind")))
                    .findFirst()
                    .orElseThrow();
            throw make(kind, "CODE_OF_" + kind.getSimpleName(), "message of " + kind.getSimpleName(), null);
        });
        try (HttpApi api = HttpApi.start("127.0.0.1", 0, r, new MetricRegistry())) {
            for (Class<?> kind : ControlError.class.getPermittedSubclasses()) {
                String name = kind.getSimpleName();
                HttpResponse<byte[]> resp = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/fail/" + name))
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(STATUS.get(kind), resp.statusCode(), name);
                assertEquals(
                        "application/json",
                        resp.headers().firstValue("Content-Type").orElse(""),
                        name);
                ApiException.Body body = HttpApi.JSON.readValue(resp.body(), ApiException.Body.class);
                assertEquals(new ApiException.Body("CODE_OF_" + name, "message of " + name), body);
                assertEquals(Set.of("code", "message"), fields(resp.body()), name);
            }
        }
    }

    private static Set<String> fields(byte[] json) throws java.io.IOException {
        Set<String> out = new java.util.HashSet<>();
        HttpApi.JSON.readTree(json).fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static ControlError make(Class<?> kind, String code, String message, Throwable cause) {
        try {
            return (ControlError) kind.getConstructor(String.class, String.class, Throwable.class)
                    .newInstance(code, message, cause);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(kind + " has no public (code, message, cause) constructor", e);
        }
    }
}
