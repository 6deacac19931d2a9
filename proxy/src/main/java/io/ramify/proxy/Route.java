package io.ramify.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which branch a connection is for: from the {@code options} start-up parameter
 * ({@code endpoint=BRANCH} or {@code endpoint=BRANCH.PROJECT}), else from the TLS server name the
 * client used ({@code BRANCH.PROJECT.ramify.local}: the first label is the branch, the second the
 * project); the project defaults to the proxy's default project.
 */
public record Route(String project, String branch) {
    /** The start-up parameter with the endpoint option removed (Postgres would refuse it). */
    public record Resolved(Route route, Map<String, String> forwardedParameters) {}

    static final String OPTION = "endpoint=";

    public static Resolved resolve(Map<String, String> parameters, Optional<String> sniHost, String defaultProject) {
        Map<String, String> forwarded = new java.util.LinkedHashMap<>(parameters);
        String endpoint = null;
        String options = parameters.get("options");
        if (options != null) {
            List<String> kept = new ArrayList<>();
            for (String token : options.trim().split("\\s+")) {
                if (token.startsWith(OPTION)) {
                    endpoint = token.substring(OPTION.length());
                } else if (!token.isEmpty()) {
                    kept.add(token);
                }
            }
            if (kept.isEmpty()) {
                forwarded.remove("options");
            } else {
                forwarded.put("options", String.join(" ", kept));
            }
        }
        if (endpoint == null && sniHost.isPresent()) {
            String[] labels = sniHost.get().split("\\.");
            if (labels.length >= 3) {
                endpoint = labels[0] + "." + labels[1];
            }
        }
        if (endpoint == null || endpoint.isEmpty()) {
            throw new ProxyError(
                    ProxyError.INVALID_CATALOG_NAME,
                    "no branch given: connect with options=endpoint=BRANCH"
                            + " (e.g. postgresql://user@host/db?options=endpoint%3Ddev) or with TLS to BRANCH.PROJECT.<domain>");
        }
        int dot = endpoint.indexOf('.');
        Route r = dot < 0
                ? new Route(defaultProject, endpoint)
                : new Route(endpoint.substring(dot + 1), endpoint.substring(0, dot));
        return new Resolved(r, forwarded);
    }

    @Override
    public String toString() {
        return project + "/" + branch;
    }
}
