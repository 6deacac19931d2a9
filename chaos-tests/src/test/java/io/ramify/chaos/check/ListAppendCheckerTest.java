package io.ramify.chaos.check;

import static io.ramify.chaos.check.ListAppendOps.TXN;
import static io.ramify.chaos.check.ListAppendOps.append;
import static io.ramify.chaos.check.ListAppendOps.read;
import static io.ramify.chaos.check.ListAppendOps.txn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.chaos.check.ListAppendResult.Anomaly;
import io.ramify.chaos.check.ListAppendResult.Kind;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.JsonLines;
import io.ramify.chaos.history.Value;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** List-append histories by hand: a valid concurrent one, and one per anomaly the checker must catch. */
class ListAppendCheckerTest {
    private static final Value X = Value.of("x");
    private static final Value Y = Value.of(7);

    private final ListAppendChecker checker = new ListAppendChecker();

    private static List<Long> list(long... values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    @Test
    void validConcurrentHistoryIsAccepted() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1), append(Y, 1)))
                .invoke(1, TXN, txn(read(X)))
                .invoke(2, TXN, txn(append(X, 2)))
                .ok(1, txn(read(X, list())))
                .ok(0)
                .invoke(1, TXN, txn(read(X), read(Y)))
                .ok(1, txn(read(X, list(1)), read(Y, list(1))))
                .ok(2)
                .invoke(3, TXN, txn(append(X, 3)))
                .info(3)
                .invoke(4, TXN, txn(append(X, 4), read(X)))
                .ok(4, txn(append(X, 4), read(X, list(1, 2, 4))))
                .invoke(1, TXN, txn(read(X)))
                .ok(1, txn(read(X, list(1, 2, 4, 3))))
                .invoke(5, TXN, txn(append(X, 5)))
                .fail(5, null)
                .build();
        ListAppendResult r = checker.check(h);
        assertTrue(r.valid(), r.toString());
        assertEquals(8, r.transactions());
        assertEquals(5, r.reads());
    }

    /** An indeterminate append may show, or not. */
    @Test
    void indeterminateAppendMayOrMayNotShow() {
        for (List<Long> seen : List.of(list(), list(1))) {
            History h = History.builder()
                    .invoke(0, TXN, txn(append(X, 1)))
                    .info(0)
                    .invoke(1, TXN, txn(read(X)))
                    .ok(1, txn(read(X, seen)))
                    .build();
            assertTrue(checker.check(h).valid(), checker.check(h).toString());
        }
    }

    @Test
    void lostAcknowledgedAppendIsCaught() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1)))
                .ok(0)
                .invoke(0, TXN, txn(append(X, 2)))
                .ok(0)
                .invoke(1, TXN, txn(read(X)))
                .ok(1, txn(read(X, list(1))))
                .build();
        Anomaly a = only(Kind.LOST_APPEND, h);
        assertEquals(OptionalLong.of(2), a.value());
        assertEquals(List.of(h.operations().get(2), h.operations().get(1)), a.ops());
        // A read that began before the append completed may miss it.
        History concurrent = History.builder()
                .invoke(0, TXN, txn(append(X, 1)))
                .ok(0)
                .invoke(0, TXN, txn(append(X, 2)))
                .invoke(1, TXN, txn(read(X)))
                .ok(0)
                .ok(1, txn(read(X, list(1))))
                .build();
        assertTrue(checker.check(concurrent).valid(), checker.check(concurrent).toString());
    }

    @Test
    void duplicateIsCaught() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1)))
                .ok(0)
                .invoke(1, TXN, txn(read(X)))
                .ok(1, txn(read(X, list(1, 1))))
                .build();
        assertEquals(OptionalLong.of(1), only(Kind.DUPLICATE, h).value());
    }

    @Test
    void incompatibleOrdersAreCaught() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1)))
                .invoke(1, TXN, txn(append(X, 2)))
                .ok(0)
                .ok(1)
                .invoke(2, TXN, txn(read(X)))
                .ok(2, txn(read(X, list(1, 2))))
                .invoke(3, TXN, txn(read(X)))
                .ok(3, txn(read(X, list(2, 1))))
                .build();
        Anomaly a = only(Kind.INCOMPATIBLE_ORDER, h);
        assertTrue(a.message().contains("position 0"), a.message());
    }

    @Test
    void abortedReadIsCaught() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1)))
                .fail(0, "ABORTED")
                .invoke(1, TXN, txn(read(X)))
                .ok(1, txn(read(X, list(1))))
                .build();
        Anomaly a = only(Kind.ABORTED_READ, h);
        assertEquals(List.of(h.operations().get(1), h.operations().get(0)), a.ops());
    }

    @Test
    void garbageReadIsCaught() {
        History h = History.builder()
                .invoke(1, TXN, txn(read(X)))
                .ok(1, txn(read(X, list(9))))
                .build();
        only(Kind.GARBAGE, h);
    }

    @Test
    void futureReadIsCaught() {
        History h = History.builder()
                .invoke(1, TXN, txn(read(X)))
                .ok(1, txn(read(X, list(1))))
                .invoke(0, TXN, txn(append(X, 1)))
                .ok(0)
                .build();
        only(Kind.FUTURE_READ, h);
    }

    /** A reader sees less than a read that completed before it began, though no acknowledged append is lost. */
    @Test
    void staleReadIsCaught() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1)))
                .info(0)
                .invoke(1, TXN, txn(read(X)))
                .ok(1, txn(read(X, list(1))))
                .invoke(2, TXN, txn(read(X)))
                .ok(2, txn(read(X, list())))
                .build();
        only(Kind.STALE_READ, h);
    }

    @Test
    void internalInconsistencyIsCaught() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1), read(X)))
                .ok(0, txn(append(X, 1), read(X, list())))
                .build();
        only(Kind.INTERNAL, h);
    }

    @Test
    void valuesMustBeUniquePerKey() {
        History h = History.builder()
                .invoke(0, TXN, txn(append(X, 1)))
                .ok(0)
                .invoke(1, TXN, txn(append(X, 1)))
                .ok(1)
                .build();
        assertThrows(IllegalArgumentException.class, () -> checker.check(h));
    }

    @Test
    void historyFromJsonLines() {
        String text = """
        {"index":0,"process":0,"type":"invoke","f":"txn","value":[["append","x",1]]}
        {"index":1,"process":0,"type":"ok","f":"txn","value":[["append","x",1]]}
        {"index":2,"process":1,"type":"invoke","f":"txn","value":[["r","x",null]]}
        {"index":3,"process":1,"type":"ok","f":"txn","value":[["r","x",[]]]}
        """;
        only(Kind.LOST_APPEND, JsonLines.parse(text));
    }

    private Anomaly only(Kind kind, History h) {
        ListAppendResult r = checker.check(h);
        assertEquals(1, r.anomalies().size(), r.toString());
        assertEquals(kind, r.anomalies().getFirst().kind(), r.toString());
        return r.anomalies().getFirst();
    }
}
