package io.ramify.catalog.core;

import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.AcquireLease;
import io.ramify.catalog.proto.LeaseRecord;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.ReleaseLease;
import io.ramify.catalog.proto.RenewLease;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.TimelineRecord;
import io.ramify.common.TimelineId;

/**
 * Compute leases: where generations come from (docs/design.md rule 3). Each acquisition takes the
 * timeline's next generation, strictly above every earlier one, released or not; the new compute
 * claims it in ratis-wal, which fences the old one. A lease's expiry only tells supervisors
 * whether its holder is still renewing; it never makes a generation current again.
 */
final class Leases {
    private Leases() {}

    static Reply acquire(AcquireLease c, Store s) throws Rejected {
        TimelineId id = liveTimeline(s, c);
        Check.text(c.getHolder(), CatalogLimits.HOLDER_CHARS_MAX, "lease holder");
        if (c.getHolder().isEmpty()) {
            throw new Rejected(Code.INVALID_ARGUMENT, "a lease on timeline " + id + " needs a holder (e.g. host:pid)");
        }
        long ttl = Check.ttl(c.getTtlMillis()).toMillis();
        LeaseRecord l = s.lease(id);
        boolean live = !l.getHolder().isEmpty() && l.getExpiresAtMillis() > s.now();
        if (c.getOnlyIfFree() && live && !l.getHolder().equals(c.getHolder())) {
            throw new Rejected(
                    Code.LEASE_HELD,
                    "timeline " + id + " is leased to " + l.getHolder() + " (generation "
                            + l.getGeneration() + ") until " + Check.time(l.getExpiresAtMillis())
                            + "; wait for it to expire, or "
                            + "acquire without only-if-free to fence that holder");
        }
        LeaseRecord next = LeaseRecord.newBuilder()
                .setTimeline(l.getTimeline())
                .setGeneration(l.getGeneration() + 1)
                .setHolder(c.getHolder())
                .setExpiresAtMillis(s.now() + ttl)
                .build();
        s.putLease(next);
        return Reply.newBuilder().setLease(next).build();
    }

    static Reply renew(RenewLease c, Store s) throws Rejected {
        TimelineId id = Check.timelineId(c.getTimeline(), "timeline id");
        LeaseRecord l = current(s, id, c.getGeneration());
        long ttl = Check.ttl(c.getTtlMillis()).toMillis();
        requireLive(s, id);
        LeaseRecord renewed = l.toBuilder().setExpiresAtMillis(s.now() + ttl).build();
        s.putLease(renewed);
        return Reply.newBuilder().setLease(renewed).build();
    }

    /** Releasing a released lease of the current generation again is a no-op, not an error. */
    static Reply release(ReleaseLease c, Store s) throws Rejected {
        TimelineId id = Check.timelineId(c.getTimeline(), "timeline id");
        LeaseRecord l = s.lease(id);
        if (l.getGeneration() == c.getGeneration()
                && l.getGeneration() != 0
                && l.getHolder().isEmpty()) {
            return Reply.newBuilder().setLease(l).build();
        }
        current(s, id, c.getGeneration());
        LeaseRecord released = l.toBuilder().setHolder("").setExpiresAtMillis(0).build();
        s.putLease(released);
        return Reply.newBuilder().setLease(released).build();
    }

    /** The lease if {@code generation} is its current, held generation; else STALE_LEASE. */
    private static LeaseRecord current(Store s, TimelineId id, long generation) throws Rejected {
        LeaseRecord l = s.lease(id);
        if (l.getGeneration() == 0) {
            throw new Rejected(
                    s.timeline(id) == null ? Code.NOT_FOUND : Code.STALE_LEASE,
                    "timeline " + id + " has never been leased; acquire a lease first");
        }
        if (l.getGeneration() != generation || l.getHolder().isEmpty()) {
            throw new Rejected(
                    Code.STALE_LEASE,
                    "generation " + Long.toUnsignedString(generation) + " of timeline " + id
                            + " is not current (current " + l.getGeneration()
                            + (l.getHolder().isEmpty() ? ", released" : ", held by " + l.getHolder())
                            + "); a compute holding it was fenced and must stop");
        }
        return l;
    }

    private static TimelineId liveTimeline(Store s, AcquireLease c) throws Rejected {
        TimelineId id = Check.timelineId(c.getTimeline(), "timeline id");
        requireLive(s, id);
        return id;
    }

    private static void requireLive(Store s, TimelineId id) throws Rejected {
        TimelineRecord t = s.timeline(id);
        if (t == null) {
            throw new Rejected(Code.NOT_FOUND, "timeline " + id + " is not in the catalog");
        }
        if (t.getDeletedAtMillis() != 0) {
            throw new Rejected(
                    Code.NOT_FOUND,
                    "timeline " + id + " was deleted at " + Check.time(t.getDeletedAtMillis())
                            + " (its branch was deleted or reset); no compute may run on it");
        }
    }
}
