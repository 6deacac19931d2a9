package io.ramify.chaos.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The JSON-lines format: round trips, and errors that point at the line and column. */
class JsonLinesTest {
    @Test
    void roundTripsEveryKindOfValue() throws Exception {
        Value odd = Value.list(
                Value.NIL,
                Value.of(true),
                Value.of(false),
                Value.of(Long.MIN_VALUE),
                Value.of("quote \" backslash \\ newline \n tab \t bell \u0007 é"),
                Value.list(),
                Value.list(Value.list()));
        History h = History.builder()
                .invoke(3, "create", Value.list(Value.of("dev"), Value.of("main")))
                .add(Op.fail(1, 3, "create", Value.list(Value.of("dev"), Value.of("main")), "ALREADY_EXISTS")
                        .withTime(1_234_567_890_123L))
                .invoke(4, "odd", odd)
                .ok(4, odd)
                .invoke(5, "read", Value.NIL)
                .build();
        StringWriter out = new StringWriter();
        JsonLines.write(h, out);
        assertEquals(h, JsonLines.parse(out.toString()));
        assertTrue(out.toString().startsWith("""
        {"index":0,"process":3,"type":"invoke","f":"create","value":["dev","main"]}
        {"index":1,"process":3,"type":"fail","f":"create","value":["dev","main"],"error":"ALREADY_EXISTS","time":1234567890123}
        """), out.toString());
    }

    @Test
    void readsSpacesEscapesAndBlankLines() {
        History h = JsonLines.parse("""

        { "index" : 0, "process" : 1, "type" : "invoke", "f" : "w", "value" : [ "a\\u0041\\/" , -2 ] }
        {"index":1,"process":1,"type":"info","f":"w","value":null}
        """);
        assertEquals(
                Value.list(Value.of("aA/"), Value.of(-2)), h.ops().getFirst().value());
        assertEquals(Outcome.UNKNOWN, h.operations().getFirst().outcome());
    }

    @Test
    void errorsNameTheLine() {
        assertError(
                "line 1: column 57: expected an integer (fractions are not values in this format)",
                "{\"index\":0,\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"value\":1.5}");
        assertError("line 2: field 'f' is missing", "\n{\"index\":0,\"process\":1,\"type\":\"invoke\"}");
        assertError(
                "line 1: unknown field 'colour'",
                "{\"index\":0,\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"colour\":1}");
        assertError(
                "line 1: type 'done' is not one of invoke, ok, fail, info",
                "{\"index\":0,\"process\":1,\"type\":\"done\",\"f\":\"w\"}");
        assertError(
                "line 1: column 56: expected a value (objects are not values in this format)",
                "{\"index\":0,\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"value\":{}}");
        assertError("line 1: column 20: expected the end of a string", "{\"index\":0,\"process");
    }

    private static void assertError(String message, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonLines.parse(text));
        assertEquals(message, e.getMessage());
    }
}
