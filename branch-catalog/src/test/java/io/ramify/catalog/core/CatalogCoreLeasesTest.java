package io.ramify.catalog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ramify.catalog.proto.AcquireLease;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.DeleteBranch;
import io.ramify.catalog.proto.GetLease;
import io.ramify.catalog.proto.LeaseRecord;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.ReleaseLease;
import io.ramify.catalog.proto.RenewLease;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Compute leases in the pure core: where generations come from. */
class CatalogCoreLeasesTest {
    final CoreHarness h = new CoreHarness();
    ByteString tl;

    @BeforeEach
    void project() {
        h.project("shop");
        tl = h.branch("shop", "dev", "main", 100).getTimeline().getId();
    }

    @Test
    void everyAcquisitionTakesAHigherGenerationAndFencesTheLastOne() {
        assertEquals(
                0,
                h.query(QueryRequest.newBuilder()
                                .setGetLease(GetLease.newBuilder().setTimeline(tl)))
                        .getLease()
                        .getGeneration(),
                "never leased");
        LeaseRecord a = h.ok(acquire("compute-a", 30_000, false)).getLease();
        assertEquals(1, a.getGeneration());
        assertEquals("compute-a", a.getHolder());
        assertEquals(h.now + 30_000, a.getExpiresAtMillis());
        LeaseRecord b = h.ok(acquire("compute-b", 30_000, false)).getLease();
        assertEquals(2, b.getGeneration(), "a new compute fences the old one, even while its lease is live");
        assertTrue(h.refused(Code.STALE_LEASE, renew(1, 30_000)).contains("held by compute-b"));
        h.refused(Code.STALE_LEASE, release(1));
        h.now += 10_000;
        assertEquals(h.now + 5_000, h.ok(renew(2, 5_000)).getLease().getExpiresAtMillis());
        LeaseRecord released = h.ok(release(2)).getLease();
        assertEquals(2, released.getGeneration());
        assertEquals("", released.getHolder());
        assertEquals(released, h.ok(release(2)).getLease(), "releasing again is a no-op");
        h.refused(Code.STALE_LEASE, renew(2, 5_000));
        assertEquals(
                3,
                h.ok(acquire("compute-a", 30_000, false)).getLease().getGeneration(),
                "generations are never reused, even after a release");
    }

    @Test
    void onlyIfFreeWaitsForAnotherHoldersLeaseToExpire() {
        h.ok(acquire("compute-a", 10_000, false));
        assertTrue(
                h.refused(Code.LEASE_HELD, acquire("compute-b", 10_000, true)).contains("compute-a"));
        assertEquals(2, h.ok(acquire("compute-a", 10_000, true)).getLease().getGeneration(), "the holder itself may");
        h.now += 10_001;
        assertEquals(3, h.ok(acquire("compute-b", 10_000, true)).getLease().getGeneration());
    }

    @Test
    void badLeaseRequestsAreRefused() {
        h.refused(Code.INVALID_ARGUMENT, acquire("", 10_000, false));
        h.refused(Code.INVALID_ARGUMENT, acquire("x".repeat(201), 10_000, false));
        h.refused(Code.INVALID_ARGUMENT, acquire("a", 999, false));
        h.refused(Code.INVALID_ARGUMENT, acquire("a", 3_600_001, false));
        h.refused(
                Code.NOT_FOUND,
                Command.newBuilder()
                        .setAcquireLease(AcquireLease.newBuilder()
                                .setTimeline(CoreHarness.bytes(h.newTimelineId()))
                                .setHolder("a")
                                .setTtlMillis(10_000)));
        h.refused(
                Code.MALFORMED,
                Command.newBuilder()
                        .setAcquireLease(AcquireLease.newBuilder()
                                .setTimeline(ByteString.copyFromUtf8("short"))
                                .setHolder("a")
                                .setTtlMillis(10_000)));
        assertTrue(h.refused(Code.STALE_LEASE, renew(1, 10_000)).contains("never been leased"));
        h.ok(acquire("a", 10_000, false));
        h.ok(Command.newBuilder()
                .setDeleteBranch(DeleteBranch.newBuilder().setProject("shop").setBranch("dev")));
        assertTrue(h.refused(Code.NOT_FOUND, acquire("a", 10_000, false)).contains("was deleted"));
        h.refused(Code.NOT_FOUND, renew(1, 10_000));
    }

    Command.Builder acquire(String holder, long ttlMillis, boolean onlyIfFree) {
        return Command.newBuilder()
                .setAcquireLease(AcquireLease.newBuilder()
                        .setTimeline(tl)
                        .setHolder(holder)
                        .setTtlMillis(ttlMillis)
                        .setOnlyIfFree(onlyIfFree));
    }

    Command.Builder renew(long generation, long ttlMillis) {
        return Command.newBuilder()
                .setRenewLease(RenewLease.newBuilder()
                        .setTimeline(tl)
                        .setGeneration(generation)
                        .setTtlMillis(ttlMillis));
    }

    Command.Builder release(long generation) {
        return Command.newBuilder()
                .setReleaseLease(ReleaseLease.newBuilder().setTimeline(tl).setGeneration(generation));
    }
}
