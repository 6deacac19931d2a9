package io.ramify.chaos.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Pairing invocations with completions, and the malformed histories that are refused. */
class HistoryTest {
    @Test
    void pairsPerProcess() {
        History h = History.builder()
                .invoke(0, "write", Value.of(1))
                .invoke(1, "read", Value.NIL)
                .ok(1, Value.of(0))
                .fail(0, "REFUSED")
                .invoke(2, "write", Value.of(2))
                .info(2)
                .invoke(1, "read", Value.NIL)
                .build();
        List<Operation> ops = h.operations();
        assertEquals(4, ops.size());
        assertEquals(new Operation(0, 0, "write", Value.of(1), Outcome.Fail.of("REFUSED"), 0, 3), ops.get(0));
        assertEquals(new Operation(1, 1, "read", Value.NIL, new Outcome.Ok(Value.of(0)), 1, 2), ops.get(1));
        assertEquals(Outcome.UNKNOWN, ops.get(2).outcome());
        assertEquals(Operation.OPEN, ops.get(2).completeIndex());
        assertTrue(ops.get(3).indeterminate(), "an invocation never completed is indeterminate");
        assertTrue(ops.get(1).precedes(ops.get(2)));
        assertFalse(ops.get(0).precedes(ops.get(1)), "overlapping operations are concurrent");
        assertFalse(ops.get(2).precedes(ops.get(3)), "an indeterminate operation precedes nothing");
    }

    @Test
    void aProcessMayInvokeAgainAfterInfo() {
        History h = History.builder()
                .invoke(0, "write", Value.of(1))
                .info(0)
                .invoke(0, "write", Value.of(2))
                .ok(0)
                .build();
        assertEquals(2, h.operations().size());
    }

    @Test
    void refusesMalformedHistories() {
        assertThrows(
                IllegalArgumentException.class,
                () -> History.of(List.of(Op.invoke(0, 0, "w", Value.NIL), Op.invoke(1, 0, "w", Value.NIL))),
                "two invocations of one process");
        assertThrows(
                IllegalArgumentException.class,
                () -> History.of(List.of(Op.ok(0, 0, "w", Value.NIL))),
                "a completion without an invocation");
        assertThrows(
                IllegalArgumentException.class,
                () -> History.of(List.of(Op.invoke(0, 0, "w", Value.NIL), Op.ok(1, 0, "r", Value.NIL))),
                "a completion of another function");
        assertThrows(
                IllegalArgumentException.class,
                () -> History.of(List.of(Op.invoke(3, 0, "w", Value.NIL), Op.ok(3, 0, "w", Value.NIL))),
                "an index that does not increase");
    }

    @Test
    void valuesSayWhatTheyAreNot() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Value.of(3).text());
        assertEquals("expected a string, got 3", e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> Value.list(Value.of(1)).item(0, 2));
        assertEquals(Optional.empty(), Op.invoke(0, 0, "w", Value.NIL).error());
    }
}
