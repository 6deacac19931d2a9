package io.ramify.wal.core;

import static io.ramify.wal.client.WalLimits.WAL_PAGE_SIZE;

import io.ramify.common.TimelineId;
import io.ramify.kv.Writes;
import io.ramify.wal.proto.Ack;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import io.ramify.wal.proto.TrimWal;

/**
 * What may be dropped from the log: non-WAL ops once every page-store shard has acknowledged them
 * (they are then durable in the page stores), and WAL below a trim point the retention policy
 * chose.
 */
final class Acks {
    private Acks() {}

    static Reply ack(Ack a, Writes w) throws Rejected {
        TimelineId tl = OpLog.timelineId(a.getTimeline());
        TimelineStatus s = OpLog.load(tl, w);
        if (a.getShard() >= s.getShardCount()) {
            throw new Rejected(
                    Code.MALFORMED,
                    "timeline " + tl + " has " + s.getShardCount() + " shards; shard " + a.getShard()
                            + " does not exist");
        }
        if (a.getSeq() > s.getLastSeq()) {
            throw new Rejected(
                    Code.BEYOND_END,
                    "shard " + a.getShard() + " acknowledges seq " + a.getSeq() + " of timeline " + tl
                            + " but the last seq is " + s.getLastSeq());
        }
        if (a.getSeq() <= s.getShardAcks(a.getShard())) {
            return Reply.newBuilder().setStatus(s).build(); // an old or repeated ack changes nothing
        }
        TimelineStatus.Builder b = s.toBuilder().setShardAcks(a.getShard(), a.getSeq());
        long all =
                b.getShardAcksList().stream().mapToLong(Long::longValue).min().orElse(0);
        if (all > s.getAckedByAll()) {
            w.deleteRange(Keys.of(Keys.OP, tl, s.getAckedByAll() + 1), Keys.of(Keys.OP, tl, all + 1));
            b.setAckedByAll(all);
        }
        TimelineStatus ns = b.build();
        OpLog.save(tl, ns, w);
        return Reply.newBuilder().setStatus(ns).build();
    }

    /**
     * Drops WAL below {@code below_lsn}, lowered so that it keeps every page written within the
     * history window (by the leader's clock, as stamped on the request) and everything from the
     * latest checkpoint's redo point, which recovery of the head needs. Which older WAL the
     * timeline's children still need is the caller's (the catalog's) knowledge.
     */
    static Reply trim(TrimWal t, long leaderMillis, Writes w) throws Rejected {
        TimelineId tl = OpLog.timelineId(t.getTimeline());
        TimelineStatus s = OpLog.load(tl, w);
        long below = Math.min(t.getBelowLsn(), s.getLatestCheckpointRedo()) / WAL_PAGE_SIZE * WAL_PAGE_SIZE;
        below = Math.min(below, firstPageInWindow(w, tl, s, below, leaderMillis - t.getKeepWindowMillis()));
        if (below <= Math.max(s.getWalTrimmedBelow(), WalArchive.ownStart(s))) {
            return Reply.newBuilder().setStatus(s).build(); // nothing (more) may go
        }
        long fromPage = WalArchive.storedStart(s) / WAL_PAGE_SIZE;
        long toPage = below / WAL_PAGE_SIZE;
        w.deleteRange(Keys.of(Keys.PAGE, tl, fromPage), Keys.of(Keys.PAGE, tl, toPage));
        w.deleteRange(Keys.of(Keys.PAGE_TIME, tl, fromPage), Keys.of(Keys.PAGE_TIME, tl, toPage));
        TimelineStatus ns = s.toBuilder().setWalTrimmedBelow(below).build();
        OpLog.save(tl, ns, w);
        return Reply.newBuilder().setStatus(ns).build();
    }

    /**
     * The start of the first page below {@code limit} written at or after {@code cutoffMillis}, or
     * {@code limit}. WAL is written in LSN order, so page times never decrease with the LSN: a
     * binary search over the pages needs O(log pages) reads.
     */
    static long firstPageInWindow(Writes w, TimelineId tl, TimelineStatus s, long limit, long cutoffMillis) {
        long lo = Math.max(WalArchive.storedStart(s), s.getWalTrimmedBelow()) / WAL_PAGE_SIZE;
        long hi = limit / WAL_PAGE_SIZE; // answer in [lo, hi]
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            byte[] t = w.get(Keys.of(Keys.PAGE_TIME, tl, mid));
            boolean inWindow = t == null || java.nio.ByteBuffer.wrap(t).getLong() >= cutoffMillis;
            if (inWindow) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo * WAL_PAGE_SIZE;
    }
}
