package io.ramify.cli;

import io.ramify.control.client.ApiClient;
import io.ramify.control.http.ApiException;
import io.ramify.control.http.HttpApi;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** Options of every command that talks to the control plane's REST API, and how results print. */
public final class ApiOptions {
  static final String DEFAULT_API = "http://127.0.0.1:8470";
  static final String DEFAULT_PROJECT = "app";

  enum Output { text, json }

  @Option(names = "--api", paramLabel = "URL",
      description = "Control plane API (default: $RAMIFY_API or " + DEFAULT_API + ").")
  String api;

  @Option(names = {"-p", "--project"}, paramLabel = "NAME",
      description = "Project (default: $RAMIFY_PROJECT or '" + DEFAULT_PROJECT + "', the one `ramify up` makes).")
  String project;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "text (default) or json.")
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

  ApiClient client() {
    String url = api != null ? api : System.getenv("RAMIFY_API");
    return new ApiClient(url == null || url.isEmpty() ? DEFAULT_API : url);
  }

  /** Runs a call; an API error prints as {@code error CODE: message} on stderr with exit code 1. */
  int run(Call call) {
    try {
      call.run(client());
      return 0;
    } catch (ApiException e) {
      if (output == Output.json) {
        System.err.println(json(new ApiException.Body(e.code(), e.getMessage())));
      } else {
        System.err.println("error " + e.code() + ": " + e.getMessage());
      }
      return e.status() >= 500 ? 2 : 1;
    } catch (Exception e) {
      System.err.println("error: " + e);
      return 2;
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
