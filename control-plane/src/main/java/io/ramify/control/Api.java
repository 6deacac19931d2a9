package io.ramify.control;

import io.ramify.control.http.Router;
import java.io.IOException;
import java.io.InputStream;

/**
 * The REST API: routes under {@code /v1} onto {@link ControlPlane}. The OpenAPI document
 * ({@code GET /v1/openapi.json}) describes every route, body and error; keep both in step.
 */
public final class Api {
    private Api() {}

    public static Router routes(ControlPlane cp, com.codahale.metrics.MetricRegistry metrics) {
        Router r = new Router();
        r.addUnqueued("GET", "/v1/metrics", req -> cp.metricsText(metrics));
        r.addUnqueued("GET", "/v1/openapi.json", req -> openApi());
        r.addUnqueued("GET", "/v1/health", req -> java.util.Map.of("healthy", true));
        r.add("GET", "/v1/projects", req -> cp.listProjects());
        r.add(
                "POST",
                "/v1/projects",
                req -> Router.Response.created(cp.createProject(req.requestId(), req.body(Views.CreateProject.class))));
        r.add("GET", "/v1/projects/{project}", req -> cp.getProject(req.param("project")));
        r.add(
                "GET",
                "/v1/projects/{project}/branches",
                req -> cp.listBranches(
                        req.param("project"), !"false".equals(req.query("sizes").orElse("true"))));
        r.add(
                "POST",
                "/v1/projects/{project}/branches",
                req -> Router.Response.created(
                        cp.createBranch(req.requestId(), req.param("project"), req.body(Views.CreateBranch.class))));
        r.add(
                "GET",
                "/v1/projects/{project}/branches/{branch}",
                req -> cp.getBranch(req.param("project"), req.param("branch")));
        r.add(
                "PATCH",
                "/v1/projects/{project}/branches/{branch}",
                req -> cp.updateBranch(
                        req.requestId(),
                        req.param("project"),
                        req.param("branch"),
                        req.body(Views.UpdateBranch.class)));
        r.add(
                "DELETE",
                "/v1/projects/{project}/branches/{branch}",
                req -> cp.deleteBranch(req.requestId(), req.param("project"), req.param("branch")));
        r.add(
                "POST",
                "/v1/projects/{project}/branches/{branch}/reset",
                req -> cp.resetBranch(req.requestId(), req.param("project"), req.param("branch")));
        r.add(
                "POST",
                "/v1/projects/{project}/branches/{branch}/restore",
                req -> cp.restoreBranch(
                        req.requestId(), req.param("project"), req.param("branch"), req.body(Views.Restore.class)));
        r.add(
                "POST",
                "/v1/projects/{project}/branches/{branch}/compute/start",
                req -> cp.startCompute(req.param("project"), req.param("branch")));
        r.add(
                "POST",
                "/v1/projects/{project}/branches/{branch}/compute/stop",
                req -> cp.stopCompute(req.param("project"), req.param("branch")));
        r.add(
                "GET",
                "/v1/projects/{project}/branches/{branch}/connection",
                req -> cp.connection(req.param("project"), req.param("branch")));
        r.add(
                "GET",
                "/v1/projects/{project}/branches/{branch}/diff",
                req -> cp.diff(
                        req.param("project"),
                        req.param("branch"),
                        req.query("against").orElse(null)));
        return r;
    }

    private static byte[] openApi() throws IOException {
        try (InputStream in = Api.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new ControlError.Failed("INTERNAL", "openapi.json is missing from the build", null);
            }
            return in.readAllBytes();
        }
    }
}
