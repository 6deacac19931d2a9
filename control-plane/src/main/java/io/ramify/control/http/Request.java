package io.ramify.control.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One API request: the route's path parameters, the query, the JSON body and the request id. */
public record Request(
        String method,
        String path,
        Map<String, String> params,
        Map<String, List<String>> query,
        byte[] body,
        String requestId,
        ObjectMapper json) {

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
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            String wrongType = wrongType(e);
            throw ApiException.badRequest(
                    wrongType != null
                            ? wrongType
                            : "the request body is not valid JSON for " + type.getSimpleName() + ": "
                                    + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(
                    "the request body is not valid JSON for " + type.getSimpleName() + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    /** "field 'name' must be a string, not 123", when a value has the wrong JSON type; else null. */
    private String wrongType(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException
                || e.getPath().isEmpty()
                || e.getTargetType() == null) {
            return null;
        }
        String field = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
                .collect(java.util.stream.Collectors.joining("."));
        Class<?> t = e.getTargetType();
        String expected = t == String.class
                ? "a string"
                : t == Long.class || t == long.class || t == Integer.class || t == int.class
                        ? "an integer"
                        : t == Boolean.class || t == boolean.class ? "true or false" : "a " + t.getSimpleName();
        String got = "";
        try {
            com.fasterxml.jackson.databind.JsonNode value = json.readTree(body).at("/" + field.replace(".", "/"));
            got = value.isMissingNode() ? "" : ", not " + value;
        } catch (java.io.IOException ignored) {
            // the value is not at hand; the message names the field and the type anyway
        }
        return "field '" + field + "' must be " + expected + got;
    }
}
