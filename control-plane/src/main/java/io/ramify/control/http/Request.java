package io.ramify.control.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One API request: the route's path parameters, the query, the JSON body and the request id. */
public record Request(String method, String path, Map<String, String> params, Map<String, List<String>> query,
    byte[] body, String requestId, ObjectMapper json) {

  public String param(String name) {
    String v = params.get(name);
    if (v == null) {
      throw new IllegalStateException("route has no parameter " + name);
    }
    return v;
  }

  public Optional<String> query(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getLast());
  }

  /** The body as {@code type}; an empty body is an empty object. Malformed JSON is a 400. */
  public <T> T body(Class<T> type) {
    try {
      return json.readValue(body.length == 0 ? "{}".getBytes() : body, type);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("the request body is not valid JSON for " + type.getSimpleName() + ": "
          + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
    }
  }
}
