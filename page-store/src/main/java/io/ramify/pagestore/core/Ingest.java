package io.ramify.pagestore.core;

import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.kv.Writes;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.nio.ByteBuffer;

/**
 * Turns ops pulled from ratis-wal into stored versions, events and size history. The caller
 * writes one batch per chunk of ops together with the new ingested seq, so after a crash
 * ingestion resumes exactly after what it made durable: nothing applied twice or skipped.
 */
public final class Ingest {
    private Ingest() {}

    /** Records op {@code seq} of {@code tl}. Ops of other shards never arrive here (ratis-wal filters). */
    public static void apply(Writes w, TimelineId tl, long seq, Op op) {
        switch (op.getKindCase()) {
            case BLOCK -> {
                byte[] v = BlockCodec.encode(op.getBlock().getImage().toByteArray());
                w.put(
                        PageKeys.version(
                                tl, op.getBlock().getFile(), op.getBlock().getBlock(), seq),
                        v);
                addUsage(w, tl, v.length, 1);
            }
            case FILE -> event(w, tl, seq, op.getFile());
            default ->
                throw new IllegalArgumentException(
                        "op seq " + seq + " of " + tl + " is not for a page store: " + op.getKindCase());
        }
    }

    private static void event(Writes w, TimelineId tl, long seq, FileEvent e) {
        String p = e.getPath();
        switch (e.getKind()) {
            case CREATE -> barrier(w, tl, p, seq, new EventRec(EventRec.Kind.CREATE, 0, null));
            case TRUNCATE -> {
                barrier(w, tl, p, seq, new EventRec(EventRec.Kind.TRUNCATE, e.getSize(), null));
                size(w, tl, p, seq, e.getSize());
            }
            case EXTEND -> size(w, tl, p, seq, e.getSize());
            case UNLINK -> barrier(w, tl, p, seq, new EventRec(EventRec.Kind.UNLINK, 0, null));
            case RENAME -> {
                barrier(w, tl, p, seq, new EventRec(EventRec.Kind.RENAME_OUT, 0, e.getTarget()));
                barrier(w, tl, e.getTarget(), seq, new EventRec(EventRec.Kind.RENAME_IN, 0, p));
            }
            case MKDIR -> barrier(w, tl, p, seq, new EventRec(EventRec.Kind.MKDIR, 0, null));
            case RMDIR -> barrier(w, tl, p, seq, new EventRec(EventRec.Kind.RMDIR, 0, null));
            default -> throw new IllegalArgumentException("file event of kind " + e.getKind() + " at seq " + seq);
        }
    }

    private static void barrier(Writes w, TimelineId tl, String path, long seq, EventRec e) {
        w.put(PageKeys.event(PageKeys.EVENT, tl, path, seq), e.encode());
    }

    private static void size(Writes w, TimelineId tl, String path, long seq, long size) {
        w.put(
                PageKeys.event(PageKeys.SIZE, tl, path, seq),
                ByteBuffer.allocate(8).putLong(size).array());
    }

    public static void setIngested(Writes w, TimelineId tl, long seq) {
        w.put(
                PageKeys.perTimeline(PageKeys.INGESTED, tl),
                ByteBuffer.allocate(8).putLong(seq).array());
    }

    public static long ingested(Kv kv, TimelineId tl) {
        byte[] b = kv.get(PageKeys.perTimeline(PageKeys.INGESTED, tl));
        return b == null ? 0 : ByteBuffer.wrap(b).getLong();
    }

    /** Own stored bytes and versions of a timeline. */
    public record Usage(long ownBytes, long versions) {}

    public static Usage usage(Kv kv, TimelineId tl) {
        byte[] b = kv.get(PageKeys.perTimeline(PageKeys.USAGE, tl));
        if (b == null) {
            return new Usage(0, 0);
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        return new Usage(bb.getLong(), bb.getLong());
    }

    static void addUsage(Writes w, TimelineId tl, long bytes, long versions) {
        Usage u = usage(w, tl);
        w.put(
                PageKeys.perTimeline(PageKeys.USAGE, tl),
                ByteBuffer.allocate(16)
                        .putLong(u.ownBytes() + bytes)
                        .putLong(u.versions() + versions)
                        .array());
    }
}
