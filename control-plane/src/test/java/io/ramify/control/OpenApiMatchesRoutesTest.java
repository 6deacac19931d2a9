package io.ramify.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.ramify.control.http.HttpApi;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The OpenAPI document describes exactly the routes the API serves. */
class OpenApiMatchesRoutesTest {
    @Test
    void everyRouteIsDocumentedAndNothingElse() throws Exception {
        JsonNode doc;
        try (InputStream in = Api.class.getResourceAsStream("openapi.json")) {
            doc = HttpApi.JSON.readTree(in);
        }
        List<String> documented = new ArrayList<>();
        doc.get("paths")
                .fields()
                .forEachRemaining(p -> p.getValue()
                        .fieldNames()
                        .forEachRemaining(m -> documented.add(m.toUpperCase() + " " + p.getKey())));
        List<String> served = Api.routes(null, null).describe();
        assertEquals(new TreeSet<>(served), new TreeSet<>(documented));
    }
}
