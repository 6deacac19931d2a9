package io.ramify.cli;

import io.ramify.control.client.ApiClient;
import io.ramify.control.http.ApiException;
import io.ramify.control.http.HttpApi;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Options of every command that talks to the control plane's REST API, and how results print. The
 * API is found as {@code ramify up} and {@code down} find the installation ({@link DataDirOption}):
 * {@code --api URL}, else the API port in the port file of {@code --data-dir DIR}, else
 * {@code $RAMIFY_API}, else the port file of {@code $RAMIFY_DATA_DIR} or {@code ./.ramify}.
 */
public final class ApiOptions {
    static final String DEFAULT_API = "http://127.0.0.1:8470";
    static final String DEFAULT_PROJECT = "app";

    enum Output {
        text,
        json
    }

    @Option(
            names = "--api",
            paramLabel = "URL",
            description =
                    "Control plane API URL, e.g. " + DEFAULT_API + " (default: the API port in the installation's "
                            + "port file, or $RAMIFY_API when no --data-dir is given).")
    String api;

    @Mixin
    DataDirOption dataDir = new DataDirOption();

    @Option(
            names = {"-p", "--project"},
            paramLabel = "NAME",
            description = "Project (default: $RAMIFY_PROJECT or '" + DEFAULT_PROJECT + "', the one `ramify up` makes).")
    String project;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            description = "text (default) or json.")
    Output output = Output.text;

    interface Call {
        void run(ApiClient api) throws Exception;
    }

    String project() {
        if (project != null) {
            return project;
        }
        String env = System.getenv("RAMIFY_PROJECT");
        return env == null || env.isEmpty() ? DEFAULT_PROJECT : env;
    }

    String projectPath() {
        return "/v1/projects/" + ApiClient.seg(project());
    }

    String branchPath(String branch) {
        return projectPath() + "/branches/" + ApiClient.seg(branch);
    }

    /** Where the API URL came from, for error messages: "--api", "$RAMIFY_API" or the port file. */
    String source;

    /** The API's base URL, found as the class comment says. */
    String apiUrl() {
        if (api != null) {
            if (dataDir.dataDir != null) {
                throw new UserError("give --api URL or --data-dir DIR, not both");
            }
            source = "--api";
            return api;
        }
        String env = System.getenv("RAMIFY_API");
        if (dataDir.dataDir == null && env != null && !env.isEmpty()) {
            source = "$RAMIFY_API";
            return env;
        }
        Local local = dataDir.installation();
        source = local.file().toString();
        return local.api();
    }

    ApiClient client() {
        return new ApiClient(apiUrl());
    }

    /**
     * Runs a call. An API error is an expected error ({@code error: MESSAGE (CODE)}, exit code 1;
     * with {@code --output json} the error body on stderr); an API that does not answer says where
     * its address came from and how to start it.
     */
    int run(Call call) {
        ApiClient client = client();
        try {
            call.run(client);
            return 0;
        } catch (ApiException e) {
            if (output == Output.json) {
                System.err.println(json(new ApiException.Body(e.code(), e.getMessage())));
                return Ramify.ERROR;
            }
            if ("UNREACHABLE".equals(e.code())) {
                throw new UserError(
                        "the Ramify API at " + client.base() + " (from " + source + ") does not answer: is Ramify "
                                + "up? Start it with `ramify up" + dataDir.asOption()
                                + "`, or point at a running one with --data-dir DIR",
                        e);
            }
            throw new UserError(e.getMessage() + " (" + e.code() + ")", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    void print(Object value, Supplier<String> text) {
        System.out.println(output == Output.json ? json(value) : text.get());
    }

    static String json(Object v) {
        try {
            return HttpApi.JSON.writeValueAsString(v);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
