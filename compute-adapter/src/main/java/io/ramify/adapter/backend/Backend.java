package io.ramify.adapter.backend;

import com.codahale.metrics.MetricRegistry;
import io.ramify.wal.proto.Op;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a mounted data directory's state lives: ops go to the timeline's log, blocks and the
 * directory tree come from the view, WAL from the timeline's WAL as the view sees it. The FUSE
 * layer depends only on this; {@code ClusterBackend} is ratis-wal plus the page stores, and
 * {@link MemoryBackend} keeps everything in memory for tests of the file-system semantics.
 */
public interface Backend {
    /** A path of the view's data directory at mount time. */
    record Entry(String path, boolean directory, long size) {}

    /** Every path of the view at mount time (directories and files, not WAL segments). */
    List<Entry> listTree() throws IOException;

    /**
     * The block as the view sees it, or null when it does not exist. It reflects every op up to
     * {@code minSeq} (the last op that touched the path; 0 when this compute never touched it).
     */
    byte[] readBlock(String path, long block, long minSeq) throws IOException;

    /**
     * Blocks {@code first .. first + count - 1} of a path as {@link #readBlock} would return them
     * (null for one that does not exist), in order; a backend may fetch them in one round trip.
     */
    default List<byte[]> readBlocks(String path, long first, int count, long minSeq) throws IOException {
        List<byte[]> out = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(readBlock(path, first + i, minSeq));
        }
        return out;
    }

    /** Appends an op to the timeline; returns its seq. Never blocks for durability. */
    long submit(Op op) throws IOException;

    /**
     * Appends ops that no crash or fork cut may split (one log entry, one W; see {@code
     * TimelineWriter.submitAtomically}); returns the last one's seq. Never blocks for durability.
     */
    long submitAtomically(List<Op> ops) throws IOException;

    /** Completes once every op up to {@code seq} is durable (docs/design.md rule 2). */
    CompletableFuture<Long> durable(long seq);

    /** The seq of the last op submitted. */
    long lastSubmitted();

    /** Up to {@code len} WAL bytes from {@code lsn} as the view sees them; fewer at the end of WAL. */
    byte[] readWal(long lsn, int len) throws IOException;

    /** The WAL segment size of this timeline, in bytes. */
    int walSegmentSize();

    /** The highest WAL byte written so far on this timeline (W starts here after a restart). */
    long walEnd();

    /** The first WAL byte a compute starting on this view needs: the redo point its image names. */
    long walStart() throws IOException;

    /** Adds this backend's figures (remote calls, ops not yet durable) to {@code into}; none by default. */
    default void registerMetrics(MetricRegistry into) {}
}
