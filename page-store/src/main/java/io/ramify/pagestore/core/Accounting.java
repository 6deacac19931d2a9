package io.ramify.pagestore.core;

import io.ramify.common.ShardMap;
import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;

/**
 * The figures that show a branch is cheap, for the blocks of one shard: the view's logical size,
 * the bytes of its visible blocks stored by the timeline itself, and the bytes it reads from its
 * ancestors (shared). Own stored bytes, history included, come from {@link Ingest#usage}.
 * Summed over every shard by the caller (logical size is counted once: every shard sees it).
 */
public final class Accounting {
    /** Paths examined in one computation. */
    static final int PATHS_MAX = 1_000_000;

    private Accounting() {}

    public record Figures(long logicalBytes, long visibleOwnBytes, long sharedBytes, long storedOwnBytes) {}

    public static Figures of(Kv kv, View view, int shard, int shardCount) {
        TimelineId own = view.own();
        long logical = 0;
        long visibleOwn = 0;
        long shared = 0;
        for (ViewReader.FileStat f : ViewReader.list(kv, view, PATHS_MAX)) {
            if (f.directory()) {
                continue;
            }
            logical += f.size();
            long blocks = (f.size() + BlockCodec.BLOCK_SIZE - 1) / BlockCodec.BLOCK_SIZE;
            for (long b = 0; b < blocks; b++) {
                if (ShardMap.shardOf(f.path(), b, shardCount) != shard) {
                    continue;
                }
                ViewReader.Located at = ViewReader.locate(kv, view, f.path(), b);
                if (at == null) {
                    continue; // a hole: reads as zeros, stored nowhere
                }
                if (at.timeline().equals(own)) {
                    visibleOwn += BlockCodec.BLOCK_SIZE;
                } else {
                    shared += BlockCodec.BLOCK_SIZE;
                }
            }
        }
        return new Figures(logical, visibleOwn, shared, Ingest.usage(kv, own).ownBytes());
    }
}
