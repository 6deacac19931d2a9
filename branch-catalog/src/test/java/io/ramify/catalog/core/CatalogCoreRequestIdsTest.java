package io.ramify.catalog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.TimelineSpec;
import io.ramify.catalog.proto.WriteRequest;
import io.ramify.kv.Writes;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Request ids in the pure core: retries are answered, not applied again, and the memory is bounded. */
class CatalogCoreRequestIdsTest {
    @Test
    void aRetriedRequestGetsTheFirstResultAndChangesNothing() {
        CoreHarness h = new CoreHarness();
        h.project("shop");
        TimelineSpec spec = h.spec(100);
        Reply first = h.run("create-dev", CoreHarness.createBranch("shop", "dev", "main", spec));
        assertFalse(first.hasRejected());
        h.now += 5000;
        Map<String, String> before = h.dump();
        Reply again = h.run("create-dev", CoreHarness.createBranch("shop", "dev", "main", spec));
        assertTrue(again.getDuplicate());
        assertEquals(first, again.toBuilder().setDuplicate(false).build(), "the first result, created_at included");
        assertEquals(before, h.dump(), "nothing changed");
    }

    @Test
    void anIdReusedForAnotherCommandIsRefused() {
        CoreHarness h = new CoreHarness();
        h.project("shop");
        h.run("id-1", CoreHarness.createBranch("shop", "dev", "main", h.spec(100)));
        Reply r = h.run("id-1", CoreHarness.createBranch("shop", "dev2", "main", h.spec(100)));
        assertEquals(Code.REQUEST_ID_REUSED, r.getRejected().getCode());
        assertFalse(h.exists("shop", "dev2"));
    }

    @Test
    void aRefusedRequestIsNotRememberedSoItsRetryIsJudgedAfresh() {
        CoreHarness h = new CoreHarness();
        h.project("shop");
        TimelineSpec spec = h.spec(100);
        Command.Builder create = CoreHarness.createBranch("shop", "dev", "ghost", spec);
        assertEquals(Code.NOT_FOUND, h.run("id-1", create).getRejected().getCode());
        h.branch("shop", "ghost", "main", 50);
        Reply retried = h.run("id-1", create);
        assertFalse(retried.hasRejected(), () -> retried.getRejected().getMessage());
        assertFalse(retried.getDuplicate());
    }

    @Test
    void malformedRequestsAreRefused() {
        CoreHarness h = new CoreHarness();
        assertEquals(
                Code.MALFORMED,
                h.run("", CoreHarness.createProject("shop", h.newTimelineId()))
                        .getRejected()
                        .getCode());
        assertEquals(
                Code.MALFORMED,
                h.run("has space", CoreHarness.createProject("shop", h.newTimelineId()))
                        .getRejected()
                        .getCode());
        assertEquals(
                Code.MALFORMED,
                h.run("x".repeat(129), CoreHarness.createProject("shop", h.newTimelineId()))
                        .getRejected()
                        .getCode());
        assertEquals(
                Code.MALFORMED,
                h.run("ok-id", Command.newBuilder()).getRejected().getCode());
        assertEquals(
                Code.MALFORMED,
                h.core.apply(WriteRequest.newBuilder().setRequestId("x").build(), new Writes(h.kv))
                        .getRejected()
                        .getCode(),
                "no command at all");
    }

    @Test
    void theMemoryOfRequestIdsIsBoundedByCountAndAge() {
        CoreHarness h = new CoreHarness(new RequestLog.Limits(5, 60_000, 2));
        h.project("shop");
        TimelineSpec devSpec = h.spec(100);
        h.run("create-dev", CoreHarness.createBranch("shop", "dev", "main", devSpec));
        for (int i = 0; i < 10; i++) {
            h.branch("shop", "b" + i, "main", 100);
        }
        assertEquals(5, requestKeys(h), "at most 5 ids kept");
        Reply late = h.run("create-dev", CoreHarness.createBranch("shop", "dev", "main", devSpec));
        assertEquals(Code.ALREADY_EXISTS, late.getRejected().getCode(), "an evicted id is judged as a new command");

        h.now += 60_001;
        h.branch("shop", "c0", "main", 100); // evicts 2 expired ids
        assertEquals(4, requestKeys(h));
        h.branch("shop", "c1", "main", 100);
        h.branch("shop", "c2", "main", 100);
        assertEquals(3, requestKeys(h), "only ids from the last minute are left");
    }

    static int requestKeys(CoreHarness h) {
        return h.kv.scan(Keys.kindStart(Keys.REQUEST), Keys.kindEnd(Keys.REQUEST), 1000)
                .size();
    }
}
