package io.ramify.catalog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.CreateBranch;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.catalog.proto.ExpireBranches;
import io.ramify.catalog.proto.Expired;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.SetEndpoint;
import io.ramify.catalog.proto.SetExpiry;
import io.ramify.catalog.proto.SetIdleTimeout;
import io.ramify.catalog.proto.SetProtected;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Per-branch settings in the pure core: protection, expiry (and expiring), idle timeout, endpoint. */
class CatalogCoreSettingsTest {
    final CoreHarness h = new CoreHarness();

    @BeforeEach
    void project() {
        h.project("shop");
    }

    @Test
    void protectionIdleTimeoutAndExpiryAreStored() {
        h.branch("shop", "dev", "main", 100);
        assertTrue(h.ok(protect("dev", true)).getBranch().getBranch().getProtected());
        assertFalse(h.ok(protect("dev", false)).getBranch().getBranch().getProtected());
        assertEquals(0, h.ok(idle("dev", 0)).getBranch().getBranch().getIdleTimeoutSeconds());
        assertEquals(
                CatalogLimits.IDLE_TIMEOUT_SECONDS_MAX,
                h.ok(idle("dev", CatalogLimits.IDLE_TIMEOUT_SECONDS_MAX))
                        .getBranch()
                        .getBranch()
                        .getIdleTimeoutSeconds());
        h.refused(Code.INVALID_ARGUMENT, idle("dev", CatalogLimits.IDLE_TIMEOUT_SECONDS_MAX + 1));
        h.refused(Code.INVALID_ARGUMENT, idle("dev", -1));
        assertEquals(
                h.now + 1,
                h.ok(expiry("dev", h.now + 1)).getBranch().getBranch().getExpiresAtMillis());
        assertEquals(0, h.ok(expiry("dev", 0)).getBranch().getBranch().getExpiresAtMillis());
        assertTrue(h.refused(Code.INVALID_ARGUMENT, expiry("dev", h.now)).contains("not in the future"));
        assertTrue(h.refused(Code.IS_ROOT, expiry("main", h.now + 1000)).contains("cannot expire"));
        h.refused(Code.NOT_FOUND, protect("ghost", true));
        h.refused(
                Code.NOT_FOUND,
                Command.newBuilder()
                        .setSetProtected(
                                SetProtected.newBuilder().setProject("nope").setBranch("dev")));
    }

    @Test
    void expiredBranchesAreDeletedChildrenFirstAndTheRestReportedWithTheReason() {
        long t0 = h.now;
        h.branch("shop", "parent", "main", 100);
        h.branch("shop", "child", "parent", 200);
        h.branch("shop", "keeper", "main", 100);
        h.branch("shop", "kept-child", "keeper", 200);
        h.branch("shop", "guarded", "main", 100);
        h.branch("shop", "later", "main", 100);
        h.ok(expiry("child", t0 + 1000));
        h.ok(expiry("parent", t0 + 2000));
        h.ok(expiry("keeper", t0 + 1000));
        h.ok(expiry("guarded", t0 + 1000));
        h.ok(protect("guarded", true));
        h.ok(expiry("later", t0 + 1_000_000));

        h.now = t0 + 999;
        assertEquals(0, h.ok(expire()).getExpired().getDeletedCount(), "nothing has expired yet");
        h.now = t0 + 5000;
        Expired e = h.ok(expire()).getExpired();
        assertEquals(
                List.of("child", "parent"),
                e.getDeletedList().stream().map(b -> b.getBranch().getName()).toList());
        e.getDeletedList().forEach(b -> assertEquals(h.now, b.getTimeline().getDeletedAtMillis()));
        assertEquals(
                List.of("guarded:PROTECTED", "keeper:HAS_CHILDREN"),
                e.getSkippedList().stream()
                        .map(s -> s.getBranch() + ":" + s.getReason().getCode())
                        .sorted()
                        .toList());
        assertFalse(e.getMore());
        assertTrue(h.exists("shop", "later") && h.exists("shop", "keeper") && h.exists("shop", "guarded"));
        assertFalse(h.exists("shop", "child") || h.exists("shop", "parent"));
    }

    @Test
    void expiryIsBoundedPerCommand() {
        for (int i = 0; i < 5; i++) {
            h.ok(Command.newBuilder()
                    .setCreateBranch(CreateBranch.newBuilder()
                            .setProject("shop")
                            .setName("e" + i)
                            .setParent("main")
                            .setTimeline(h.spec(100))
                            .setExpiresAtMillis(h.now + 10)));
        }
        h.now += 20;
        Expired first = h.ok(Command.newBuilder()
                        .setExpireBranches(ExpireBranches.newBuilder().setMax(3)))
                .getExpired();
        assertEquals(3, first.getDeletedCount());
        assertTrue(first.getMore());
        Expired second = h.ok(expire()).getExpired();
        assertEquals(2, second.getDeletedCount());
        assertFalse(second.getMore());
    }

    @Test
    void endpointMovesOnlyAlongItsLifecycle() {
        h.branch("shop", "dev", "main", 100);
        BranchRecord b = h.get("shop", "dev").getBranch();
        assertFalse(b.hasEndpoint(), "no endpoint until the first report: STOPPED");
        assertTrue(h.refused(Code.ILLEGAL_TRANSITION, endpoint("dev", EndpointState.RUNNING, 5432))
                .contains("from STOPPED to RUNNING"));
        h.ok(endpoint("dev", EndpointState.STARTING, 0));
        h.now += 10;
        BranchRecord running =
                h.ok(endpoint("dev", EndpointState.RUNNING, 5432)).getBranch().getBranch();
        assertEquals("10.0.0.7", running.getEndpoint().getHost());
        assertEquals(5432, running.getEndpoint().getPort());
        assertEquals(h.now, running.getEndpoint().getUpdatedAtMillis());
        h.ok(endpoint("dev", EndpointState.RUNNING, 5433));
        h.ok(endpoint("dev", EndpointState.SUSPENDED, 5433));
        h.refused(Code.ILLEGAL_TRANSITION, endpoint("dev", EndpointState.RUNNING, 5433));
        h.ok(endpoint("dev", EndpointState.STARTING, 5433));
        h.ok(endpoint("dev", EndpointState.FAILED, 5433));
        h.ok(endpoint("dev", EndpointState.STOPPED, 0));
        h.refused(Code.INVALID_ARGUMENT, endpoint("dev", EndpointState.ENDPOINT_STATE_UNSPECIFIED, 0));
        h.refused(Code.INVALID_ARGUMENT, endpoint("dev", EndpointState.STARTING, 70_000));
        h.refused(
                Code.INVALID_ARGUMENT,
                Command.newBuilder()
                        .setSetEndpoint(SetEndpoint.newBuilder()
                                .setProject("shop")
                                .setBranch("dev")
                                .setState(EndpointState.STARTING)
                                .setMessage("m".repeat(1001))));
    }

    static Command.Builder protect(String branch, boolean on) {
        return Command.newBuilder()
                .setSetProtected(SetProtected.newBuilder()
                        .setProject("shop")
                        .setBranch(branch)
                        .setProtected(on));
    }

    static Command.Builder idle(String branch, int seconds) {
        return Command.newBuilder()
                .setSetIdleTimeout(SetIdleTimeout.newBuilder()
                        .setProject("shop")
                        .setBranch(branch)
                        .setIdleTimeoutSeconds(seconds));
    }

    static Command.Builder expiry(String branch, long at) {
        return Command.newBuilder()
                .setSetExpiry(SetExpiry.newBuilder()
                        .setProject("shop")
                        .setBranch(branch)
                        .setExpiresAtMillis(at));
    }

    static Command.Builder expire() {
        return Command.newBuilder().setExpireBranches(ExpireBranches.newBuilder());
    }

    static Command.Builder endpoint(String branch, EndpointState state, int port) {
        return Command.newBuilder()
                .setSetEndpoint(SetEndpoint.newBuilder()
                        .setProject("shop")
                        .setBranch(branch)
                        .setHost("10.0.0.7")
                        .setPort(port)
                        .setState(state)
                        .setMessage("compute on host-3"));
    }
}
