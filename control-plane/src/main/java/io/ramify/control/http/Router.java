package io.ramify.control.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Routes {@code METHOD /path/{param}/...} to handlers. */
public final class Router {
    /** Handles one request; returns the response body (serialized as JSON), or a {@link Response}. */
    public interface Handler {
        Object handle(Request request) throws Exception;
    }

    /** A response with a status other than 200, or with no body. */
    public record Response(int status, Object body) {
        /** 201: {@code body} is what the request made. */
        public static Response created(Object body) {
            return new Response(201, body);
        }
    }

    private record Route(String method, String[] parts, Handler handler, boolean queued) {}

    /** {@code queued}: the request waits for a worker's turn before its handler runs. */
    public record Match(Handler handler, Map<String, String> params, boolean queued) {}

    private final List<Route> routes = new ArrayList<>();

    public Router add(String method, String template, Handler handler) {
        routes.add(new Route(method, split(template), handler, true));
        return this;
    }

    /**
     * A route served without waiting for a worker, so it answers while every worker is busy: its
     * handler must be cheap and must not wait on other services (health, metrics, documents).
     */
    public Router addUnqueued(String method, String template, Handler handler) {
        routes.add(new Route(method, split(template), handler, false));
        return this;
    }

    /** Every route as {@code METHOD /template}, in the order added. */
    public List<String> describe() {
        return routes.stream()
                .map(r -> r.method() + " /" + String.join("/", r.parts()))
                .toList();
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }

    /**
     * The handler for {@code method path}; empty if no route has that path, and a 405 if a route
     * has the path but not the method.
     */
    public Optional<Match> match(String method, String path) {
        String[] parts = split(path);
        boolean pathKnown = false;
        for (Route r : routes) {
            Map<String, String> params = matchParts(r.parts(), parts);
            if (params != null) {
                if (r.method().equals(method)) {
                    return Optional.of(new Match(r.handler(), params, r.queued()));
                }
                pathKnown = true;
            }
        }
        if (pathKnown) {
            throw new ApiException(
                    405,
                    "METHOD_NOT_ALLOWED",
                    method + " is not allowed on " + path + "; see /v1/openapi.json for the operations");
        }
        return Optional.empty();
    }

    private static Map<String, String> matchParts(String[] template, String[] parts) {
        if (template.length != parts.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < parts.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                params.put(
                        t.substring(1, t.length() - 1),
                        java.net.URLDecoder.decode(parts[i], java.nio.charset.StandardCharsets.UTF_8));
            } else if (!t.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }
}
