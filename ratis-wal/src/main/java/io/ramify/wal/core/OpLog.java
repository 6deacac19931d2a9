package io.ramify.wal.core;

import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.kv.Writes;
import io.ramify.wal.client.WalLimits;
import io.ramify.wal.proto.AppendResult;
import io.ramify.wal.proto.Claim;
import io.ramify.wal.proto.CreateTimeline;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import io.ramify.wal.proto.WriteRequest;
import java.nio.ByteBuffer;

/**
 * The pure core of a ratis-wal group: applies one committed request to the state it reads through
 * {@link Writes} and records the changes there. It does no I/O of its own and takes the leader's
 * clock from the request, so every replica computes the same result. Bad input is a {@link
 * Rejected} reply and leaves no writes; a broken invariant throws and stops the replica.
 */
public final class OpLog {
    private OpLog() {}

    /** Applies {@code req}; on a rejection the caller must drop {@code w}. */
    public static Reply apply(WriteRequest req, Writes w) {
        try {
            return switch (req.getKindCase()) {
                case APPEND -> append(req.getAppend(), req.getLeaderTimeMillis(), w);
                case CREATE -> create(req.getCreate(), w);
                case CLAIM -> claim(req.getClaim(), w);
                case ACK -> Acks.ack(req.getAck(), w);
                case TRIM -> Acks.trim(req.getTrim(), req.getLeaderTimeMillis(), w);
                case KIND_NOT_SET -> throw new Rejected(Code.MALFORMED, "write request names no operation");
            };
        } catch (Rejected r) {
            return Reply.newBuilder().setRejected(r.toProto()).build();
        }
    }

    static TimelineId timelineId(com.google.protobuf.ByteString b) throws Rejected {
        if (b.size() != 16) {
            throw new Rejected(Code.MALFORMED, "timeline id must be 16 bytes, got " + b.size());
        }
        return TimelineId.fromBytes(b.toByteArray());
    }

    static TimelineStatus load(TimelineId tl, Writes w) throws Rejected {
        byte[] b = w.get(Keys.of(Keys.TIMELINE, tl));
        if (b == null) {
            throw new Rejected(Code.UNKNOWN_TIMELINE, "timeline " + tl + " does not exist in this group");
        }
        return Codec.status(b);
    }

    static void save(TimelineId tl, TimelineStatus s, Writes w) {
        w.put(Keys.of(Keys.TIMELINE, tl), s.toByteArray());
    }

    private static Reply create(CreateTimeline c, Writes w) throws Rejected {
        TimelineId tl = timelineId(c.getTimeline());
        int shards = c.getShardCount();
        if (shards < 1 || shards > WalLimits.SHARDS_MAX) {
            throw new Rejected(
                    Code.MALFORMED,
                    "shard count of timeline " + tl + " must be 1.." + WalLimits.SHARDS_MAX + ", got " + shards);
        }
        int seg = c.getWalSegmentSize() == 0 ? WalLimits.DEFAULT_SEGMENT_SIZE : c.getWalSegmentSize();
        if (Integer.bitCount(seg) != 1 || seg < (1 << 20) || seg > (1 << 30)) {
            throw new Rejected(
                    Code.MALFORMED, "WAL segment size must be a power of two from 1 MiB to 1 GiB, got " + seg);
        }
        boolean fork = !c.getParent().isEmpty();
        if (fork) {
            timelineId(c.getParent());
            if (c.getForkLsn() == 0) {
                throw new Rejected(Code.MALFORMED, "fork " + tl + " needs a fork LSN");
            }
        } else if (c.getForkLsn() != 0 || c.getForkCut() != 0) {
            throw new Rejected(Code.MALFORMED, "root timeline " + tl + " cannot have a fork LSN or cut");
        }
        TimelineStatus.Builder b = TimelineStatus.newBuilder()
                .setTimeline(c.getTimeline())
                .setParent(c.getParent())
                .setForkLsn(c.getForkLsn())
                .setForkCut(c.getForkCut())
                .setShardCount(shards)
                .setWalSegmentSize(seg);
        for (int i = 0; i < shards; i++) {
            b.addShardAcks(0);
        }
        if (fork) {
            if (c.getForkPagePrefix().size() != c.getForkLsn() % WalLimits.WAL_PAGE_SIZE) {
                throw new Rejected(
                        Code.MALFORMED,
                        "fork " + tl + " at " + Lsn.of(c.getForkLsn()) + " needs the "
                                + c.getForkLsn() % WalLimits.WAL_PAGE_SIZE
                                + " bytes of its fork page below the fork LSN, got "
                                + c.getForkPagePrefix().size());
            }
            long pageStart = c.getForkLsn() / WalLimits.WAL_PAGE_SIZE * WalLimits.WAL_PAGE_SIZE;
            b.setLastRecordEnd(c.getForkLsn()).setWalWrittenEnd(c.getForkLsn()).setFirstWalLsn(pageStart);
        }
        TimelineStatus s = b.build();
        byte[] existing = w.get(Keys.of(Keys.TIMELINE, tl));
        if (existing != null) {
            TimelineStatus e = Codec.status(existing);
            if (e.getParent().equals(c.getParent())
                    && e.getForkLsn() == c.getForkLsn()
                    && e.getWalSegmentSize() == seg
                    && e.getForkCut() == c.getForkCut()
                    && e.getShardCount() == shards) {
                return Reply.newBuilder().setStatus(e).build(); // a retried create: same answer, no change
            }
            throw new Rejected(Code.ALREADY_EXISTS, "timeline " + tl + " already exists with other parameters");
        }
        save(tl, s, w);
        if (fork) {
            if (!c.getForkPagePrefix().isEmpty()) {
                WalArchive.storeForkPrefix(
                        tl, c.getForkLsn(), c.getForkPagePrefix().toByteArray(), w);
            }
            long next = WalIndex.startAfter(c.getForkLsn(), seg);
            w.put(Keys.of(Keys.DECODER, tl), new WalIndex.DecoderState(next, -1).encode());
        }
        return Reply.newBuilder().setStatus(s).build();
    }

    private static Reply claim(Claim c, Writes w) throws Rejected {
        TimelineId tl = timelineId(c.getTimeline());
        TimelineStatus s = load(tl, w);
        long gen = c.getGeneration();
        if (gen < s.getGeneration() || gen == 0) {
            throw new Rejected(
                    Code.STALE_GENERATION,
                    "claim of timeline " + tl + " with generation " + gen + " refused: generation " + s.getGeneration()
                            + " holds it");
        }
        if (gen > s.getGeneration()) {
            s = WalArchive.dropTornTail(tl, s, w).toBuilder().setGeneration(gen).build();
            save(tl, s, w);
        }
        return Reply.newBuilder().setStatus(s).build();
    }

    private static Reply append(OpBatch batch, long leaderMillis, Writes w) throws Rejected {
        TimelineId tl = timelineId(batch.getTimeline());
        TimelineStatus s = load(tl, w);
        int n = batch.getOpsCount();
        if (n == 0 || n > WalLimits.BATCH_OPS_MAX) {
            throw new Rejected(
                    n == 0 ? Code.MALFORMED : Code.TOO_LARGE,
                    "batch for timeline " + tl + " has " + n + " ops; allowed 1.." + WalLimits.BATCH_OPS_MAX);
        }
        if (batch.getSerializedSize() > WalLimits.BATCH_BYTES_MAX) {
            throw new Rejected(
                    Code.TOO_LARGE,
                    "batch for timeline " + tl + " is " + batch.getSerializedSize() + " bytes; the limit is "
                            + WalLimits.BATCH_BYTES_MAX);
        }
        long gen = batch.getGeneration();
        if (gen < s.getGeneration()) {
            throw new Rejected(
                    Code.STALE_GENERATION,
                    "timeline " + tl + " is held by generation " + s.getGeneration() + "; ops of generation " + gen
                            + " are refused (a newer compute took over)");
        }
        if (gen > s.getGeneration()) {
            throw new Rejected(
                    Code.NOT_CLAIMED,
                    "generation " + gen + " has not claimed timeline " + tl + " (held by " + s.getGeneration()
                            + "); claim it first");
        }
        long first = batch.getFirstSeq();
        long last = first + n - 1;
        if (first <= s.getLastSeq() && last <= s.getLastSeq() && first >= 1) {
            s = s.toBuilder().setDuplicateBatches(s.getDuplicateBatches() + 1).build();
            save(tl, s, w);
            return Reply.newBuilder()
                    .setAppended(
                            AppendResult.newBuilder().setLastSeq(s.getLastSeq()).setDuplicate(true))
                    .build();
        }
        if (first != s.getLastSeq() + 1) {
            throw new Rejected(
                    Code.SEQ_GAP,
                    "batch for timeline " + tl + " starts at seq " + first + " but the last seq is " + s.getLastSeq()
                            + "; the next batch must start at " + (s.getLastSeq() + 1));
        }
        s = applyOps(tl, s, batch, leaderMillis, w);
        save(tl, s, w);
        return Reply.newBuilder()
                .setAppended(AppendResult.newBuilder().setLastSeq(s.getLastSeq()))
                .build();
    }

    private static TimelineStatus applyOps(TimelineId tl, TimelineStatus s, OpBatch batch, long leaderMillis, Writes w)
            throws Rejected {
        long seq = batch.getFirstSeq();
        long maxW = s.getMaxWalEnd();
        boolean wroteWal = false;
        long cutW = -1;
        for (Op op : batch.getOpsList()) {
            if (op.getWalEnd() < maxW) {
                throw new Rejected(
                        Code.W_REGRESSION,
                        "op seq " + seq + " of timeline " + tl + " has W " + Lsn.of(op.getWalEnd())
                                + " below the timeline's highest W " + Lsn.of(maxW) + " (rule 4)");
            }
            if (cutW >= 0 && op.getWalEnd() != cutW) {
                w.put(Keys.of(Keys.CUT, tl, cutW), longBytes(seq - 1));
            }
            maxW = op.getWalEnd();
            cutW = maxW;
            switch (op.getKindCase()) {
                case WAL -> {
                    if (op.getWal().getData().isEmpty()) {
                        throw new Rejected(
                                Code.MALFORMED, "WAL write at seq " + seq + " of timeline " + tl + " is empty");
                    }
                    s = WalArchive.write(
                            tl, s, op.getWal().getLsn(), op.getWal().getData().toByteArray(), leaderMillis, w);
                    wroteWal = true;
                }
                case BLOCK -> {
                    Codec.checkBlock(tl, seq, op.getBlock());
                    w.put(Keys.of(Keys.OP, tl, seq), op.toByteArray());
                }
                case FILE -> {
                    Codec.checkFileEvent(tl, seq, op.getFile());
                    w.put(Keys.of(Keys.OP, tl, seq), op.toByteArray());
                }
                case KIND_NOT_SET ->
                    throw new Rejected(Code.MALFORMED, "op seq " + seq + " of timeline " + tl + " has no kind");
            }
            seq++;
        }
        w.put(Keys.of(Keys.CUT, tl, cutW), longBytes(seq - 1));
        s = s.toBuilder().setLastSeq(seq - 1).setMaxWalEnd(maxW).build();
        return wroteWal ? WalIndex.advance(tl, s, w) : s;
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }
}
