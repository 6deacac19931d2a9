package io.ramify.wal.core;

import com.google.protobuf.ByteString;
import io.ramify.common.Lsn;
import io.ramify.common.ShardMap;
import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.wal.client.WalLimits;
import io.ramify.wal.proto.Checkpoint;
import io.ramify.wal.proto.CheckpointList;
import io.ramify.wal.proto.CutReply;
import io.ramify.wal.proto.ForkPoint;
import io.ramify.wal.proto.ForkPointReply;
import io.ramify.wal.proto.LsnReply;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpsChunk;
import io.ramify.wal.proto.QueryRequest;
import io.ramify.wal.proto.ReadOps;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import io.ramify.wal.proto.WalBytes;
import java.nio.ByteBuffer;
import java.util.List;

/** Read-only questions answered from one consistent snapshot of a group's state. */
public final class Queries {
    private Queries() {}

    public static Reply answer(QueryRequest q, Kv kv, long nowMillis) {
        try {
            return switch (q.getKindCase()) {
                case STATUS ->
                    Reply.newBuilder()
                            .setStatus(load(kv, q.getStatus().getTimeline()))
                            .build();
                case READ_WAL -> readWal(q, kv);
                case READ_OPS -> readOps(q.getReadOps(), kv);
                case RECORD_END ->
                    recordEnd(
                            kv, q.getRecordEnd().getTimeline(), q.getRecordEnd().getLsn());
                case LSN_FOR_TIME ->
                    lsnForTime(
                            kv,
                            q.getLsnForTime().getTimeline(),
                            q.getLsnForTime().getTimeMicros(),
                            nowMillis);
                case CUT_FOR ->
                    cutFor(kv, q.getCutFor().getTimeline(), q.getCutFor().getLsn());
                case FORK_POINT -> forkPoint(kv, q.getForkPoint(), nowMillis);
                case CHECKPOINTS -> checkpoints(kv, q.getCheckpoints().getTimeline());
                case LIST_TIMELINES -> listTimelines(kv, q.getListTimelines());
                case KIND_NOT_SET -> throw new Rejected(Code.MALFORMED, "query names no operation");
            };
        } catch (Rejected r) {
            return Reply.newBuilder().setRejected(r.toProto()).build();
        }
    }

    private static TimelineStatus load(Kv kv, ByteString id) throws Rejected {
        TimelineId tl = OpLog.timelineId(id);
        byte[] b = kv.get(Keys.of(Keys.TIMELINE, tl));
        if (b == null) {
            throw new Rejected(Code.UNKNOWN_TIMELINE, "timeline " + tl + " does not exist in this group");
        }
        return Codec.status(b);
    }

    private static Reply readWal(QueryRequest q, Kv kv) throws Rejected {
        TimelineStatus s = load(kv, q.getReadWal().getTimeline());
        TimelineId tl = OpLog.timelineId(s.getTimeline());
        int max = Math.min(Math.max(q.getReadWal().getMaxBytes(), 1), WalLimits.WAL_READ_BYTES_MAX);
        long lsn = q.getReadWal().getLsn();
        byte[] data = WalArchive.read(kv, tl, s, lsn, max);
        return Reply.newBuilder()
                .setWal(WalBytes.newBuilder().setLsn(lsn).setData(ByteString.copyFrom(data)))
                .build();
    }

    private static Reply readOps(ReadOps r, Kv kv) throws Rejected {
        TimelineStatus s = load(kv, r.getTimeline());
        TimelineId tl = OpLog.timelineId(s.getTimeline());
        if (r.getShardCount() != s.getShardCount() || r.getShard() >= s.getShardCount()) {
            throw new Rejected(
                    Code.MALFORMED,
                    "timeline " + tl + " has " + s.getShardCount() + " shards; asked for shard " + r.getShard() + " of "
                            + r.getShardCount());
        }
        long from = Math.max(1, r.getFromSeq());
        if (from <= s.getAckedByAll()) {
            throw new Rejected(
                    Code.SEQ_TRIMMED,
                    "ops of timeline " + tl + " up to seq " + s.getAckedByAll()
                            + " were acknowledged by every shard and dropped; asked from " + from);
        }
        int maxOps = Math.min(Math.max(r.getMaxOps(), 1), WalLimits.OPS_READ_OPS_MAX);
        int maxBytes = Math.min(Math.max(r.getMaxBytes(), 1), WalLimits.OPS_READ_BYTES_MAX);
        List<Kv.Entry> scanned =
                kv.scan(Keys.of(Keys.OP, tl, from), Keys.of(Keys.OP, tl, s.getLastSeq() + 1), WalLimits.OPS_SCAN_MAX);
        OpsChunk.Builder out = OpsChunk.newBuilder().setLastSeq(s.getLastSeq());
        // Every op key up to the last seq was scanned unless the scan hit its bound.
        long next = scanned.size() < WalLimits.OPS_SCAN_MAX
                ? s.getLastSeq() + 1
                : Keys.first(scanned.getLast().key()) + 1;
        int bytes = 0;
        for (Kv.Entry e : scanned) {
            long seq = Keys.first(e.key());
            Op op = parseOp(e.value());
            if (forShard(op, r.getShard(), s.getShardCount())) {
                if (out.getOpsCount() >= maxOps || (out.getOpsCount() > 0 && bytes + e.value().length > maxBytes)) {
                    next = seq;
                    break;
                }
                out.addOps(OpsChunk.SeqOp.newBuilder().setSeq(seq).setOp(op));
                bytes += e.value().length;
            }
        }
        return Reply.newBuilder().setOps(out.setNextSeq(next)).build();
    }

    static boolean forShard(Op op, int shard, int shardCount) {
        return switch (op.getKindCase()) {
            case BLOCK ->
                ShardMap.shardOf(op.getBlock().getFile(), op.getBlock().getBlock(), shardCount) == shard;
            case FILE -> true;
            default -> false;
        };
    }

    /**
     * Parses a stored op in place: {@code b} is the scan's own copy, never changed, and the image
     * goes straight into the reply, so copying it out first (as {@code parseFrom(byte[])} does)
     * only made garbage — each shard's read scans every op of the timeline.
     */
    private static Op parseOp(byte[] b) {
        try {
            com.google.protobuf.CodedInputStream in =
                    com.google.protobuf.UnsafeByteOperations.unsafeWrap(b).newCodedInput();
            in.enableAliasing(true);
            return Op.parseFrom(in);
        } catch (java.io.IOException e) { // InvalidProtocolBufferException: an array input has no other I/O
            throw new IllegalStateException("stored op does not parse: local state is corrupt", e);
        }
    }

    private static Reply recordEnd(Kv kv, ByteString id, long lsn) throws Rejected {
        TimelineStatus s = load(kv, id);
        return Reply.newBuilder()
                .setLsn(LsnReply.newBuilder().setLsn(recordEndAtOrBefore(kv, s, lsn)))
                .build();
    }

    /** The last complete record end at or before {@code lsn} (a fork's own LSN counts as one). */
    private static long recordEndAtOrBefore(Kv kv, TimelineStatus s, long lsn) throws Rejected {
        TimelineId tl = OpLog.timelineId(s.getTimeline());
        checkInHistory(tl, s, lsn);
        long end = WalIndex.recordEndAtOrBefore(kv, tl, lsn);
        if (end < 0 || end < WalArchive.ownStart(s)) {
            if (!s.getParent().isEmpty()) {
                end = s.getForkLsn(); // a fork's LSN is a record end of the parent's WAL
            } else {
                throw new Rejected(
                        Code.OUT_OF_WINDOW,
                        "timeline " + tl + " has no complete WAL record ending at or before " + Lsn.of(lsn));
            }
        }
        return end;
    }

    private static void checkInHistory(TimelineId tl, TimelineStatus s, long lsn) throws Rejected {
        if (lsn > s.getLastRecordEnd()) {
            throw new Rejected(
                    Code.BEYOND_END,
                    "LSN " + Lsn.of(lsn) + " is beyond the durable WAL of timeline " + tl
                            + " (last complete record ends at " + Lsn.of(s.getLastRecordEnd()) + ")");
        }
        long low = Math.max(WalArchive.ownStart(s), s.getWalTrimmedBelow());
        if (lsn < low) {
            throw new Rejected(
                    Code.OUT_OF_WINDOW,
                    "LSN " + Lsn.of(lsn) + " is outside the history of timeline " + tl
                            + " kept here (from " + Lsn.of(low) + ")"
                            + (s.getParent().isEmpty()
                                    ? ""
                                    : "; below its fork LSN the " + "parent's history applies"));
        }
    }

    private static Reply lsnForTime(Kv kv, ByteString id, long micros, long nowMillis) throws Rejected {
        TimelineStatus s = load(kv, id);
        return Reply.newBuilder()
                .setLsn(LsnReply.newBuilder().setLsn(lastCommitAtOrBefore(kv, s, micros, nowMillis)))
                .build();
    }

    /** The end of the last commit record at or before {@code micros}. */
    private static long lastCommitAtOrBefore(Kv kv, TimelineStatus s, long micros, long nowMillis) throws Rejected {
        TimelineId tl = OpLog.timelineId(s.getTimeline());
        if (micros > nowMillis * 1000) {
            throw new Rejected(
                    Code.BEYOND_END,
                    "time " + java.time.Instant.ofEpochMilli(micros / 1000) + " is in the future for timeline " + tl);
        }
        Kv.Entry e = kv.floor(Keys.of(Keys.COMMIT, tl, 0, 0), Keys.of(Keys.COMMIT, tl, micros, Long.MAX_VALUE));
        if (e == null || Keys.second(e.key()) < s.getWalTrimmedBelow()) {
            throw new Rejected(
                    Code.OUT_OF_WINDOW,
                    "timeline " + tl + " has no commit at or before " + java.time.Instant.ofEpochMilli(micros / 1000)
                            + " in its retained history");
        }
        return Keys.second(e.key());
    }

    /**
     * The fork cut for a branch at {@code lsn} (docs/design.md rule 5):
     * the last op whose W is below the end of the first complete record after {@code lsn} — every op
     * if no record ends after it yet. Such an op cannot hold a change of a record after {@code lsn}:
     * Postgres writes a page only once the WAL up to the page's LSN, the end of the last record that
     * changed it, is flushed (rule 1), so that W would reach the record's end. It does include what
     * was written after the WAL that ends at {@code lsn} was flushed — above all the {@code
     * pg_control} that names a checkpoint ending there — which "W at or below lsn" missed, because
     * Postgres writes WAL in whole 8 KiB pages: a branch at the head then started its crash recovery
     * from the checkpoint before the last one.
     */
    private static Reply cutFor(Kv kv, ByteString id, long lsn) throws Rejected {
        TimelineStatus s = load(kv, id);
        return Reply.newBuilder()
                .setCut(CutReply.newBuilder().setLsn(lsn).setCut(cut(kv, s, lsn)))
                .build();
    }

    private static long cut(Kv kv, TimelineStatus s, long lsn) throws Rejected {
        TimelineId tl = OpLog.timelineId(s.getTimeline());
        checkInHistory(tl, s, lsn);
        long next = WalIndex.firstRecordEndAfter(kv, tl, lsn);
        long wBelow = next < 0 ? Long.MAX_VALUE : next - 1;
        Kv.Entry e = kv.floor(Keys.of(Keys.CUT, tl, 0), Keys.of(Keys.CUT, tl, wBelow));
        return e == null ? 0 : ByteBuffer.wrap(e.value()).getLong();
    }

    /**
     * Everything a fork needs, from one snapshot (was five round trips: status, record end, cut,
     * status again, the page prefix): the record end to fork at, its cut and the fork page's prefix.
     * The prefix comes from this timeline's own pages: a fork LSN is never below the timeline's own
     * start, and a fork stores the whole page holding its own fork LSN.
     */
    private static Reply forkPoint(Kv kv, ForkPoint f, long nowMillis) throws Rejected {
        TimelineStatus s = load(kv, f.getTimeline());
        TimelineId tl = OpLog.timelineId(s.getTimeline());
        long lsn = switch (f.getAtCase()) {
            case HEAD -> {
                if (s.getLastRecordEnd() == 0) {
                    throw new Rejected(Code.OUT_OF_WINDOW, "timeline " + tl + " has no complete WAL record yet");
                }
                yield s.getLastRecordEnd();
            }
            case LSN -> recordEndAtOrBefore(kv, s, f.getLsn());
            case TIME_MICROS -> lastCommitAtOrBefore(kv, s, f.getTimeMicros(), nowMillis);
            case AT_NOT_SET ->
                throw new Rejected(Code.MALFORMED, "fork point of timeline " + tl + " names no head, LSN" + " or time");
        };
        long cut = cut(kv, s, lsn);
        long pageStart = lsn / WalLimits.WAL_PAGE_SIZE * WalLimits.WAL_PAGE_SIZE;
        if (lsn > pageStart && pageStart < WalArchive.storedStart(s)) {
            throw new Rejected(
                    Code.OUT_OF_WINDOW,
                    "the WAL page holding " + Lsn.of(lsn) + " starts below what timeline " + tl + " stores ("
                            + Lsn.of(WalArchive.storedStart(s)) + ")");
        }
        byte[] prefix = new byte[(int) (lsn - pageStart)];
        WalArchive.copy(kv, tl, pageStart, prefix, 0, prefix.length);
        return Reply.newBuilder()
                .setForkPoint(ForkPointReply.newBuilder()
                        .setLsn(lsn)
                        .setCut(cut)
                        .setPagePrefix(com.google.protobuf.UnsafeByteOperations.unsafeWrap(prefix))
                        .setWalSegmentSize(s.getWalSegmentSize()))
                .build();
    }

    private static Reply listTimelines(Kv kv, io.ramify.wal.proto.ListTimelines l) throws Rejected {
        int max = Math.min(Math.max(l.getMax(), 1), WalLimits.TIMELINES_LISTED_MAX);
        byte[] from = l.getAfter().isEmpty()
                ? new byte[] {Keys.TIMELINE}
                : java.util.Arrays.copyOf(Keys.of(Keys.TIMELINE, OpLog.timelineId(l.getAfter())), 18);
        List<Kv.Entry> found = kv.scan(from, new byte[] {Keys.TIMELINE + 1}, max + 1);
        io.ramify.wal.proto.TimelineList.Builder out =
                io.ramify.wal.proto.TimelineList.newBuilder().setMore(found.size() > max);
        for (Kv.Entry e : found.subList(0, Math.min(max, found.size()))) {
            out.addTimelines(Codec.status(e.value()));
        }
        return Reply.newBuilder().setTimelines(out).build();
    }

    private static Reply checkpoints(Kv kv, ByteString id) throws Rejected {
        TimelineStatus s = load(kv, id);
        TimelineId tl = OpLog.timelineId(id);
        CheckpointList.Builder out = CheckpointList.newBuilder();
        for (Kv.Entry e : kv.scan(
                Keys.of(Keys.CHECKPOINT, tl, 0), Keys.end(Keys.CHECKPOINT, tl), WalLimits.CHECKPOINTS_LISTED_MAX)) {
            ByteBuffer v = ByteBuffer.wrap(e.value());
            out.addCheckpoints(Checkpoint.newBuilder()
                    .setLsn(Keys.first(e.key()))
                    .setEnd(v.getLong())
                    .setRedo(v.getLong()));
        }
        return Reply.newBuilder().setCheckpoints(out).build();
    }
}
