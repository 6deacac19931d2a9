package io.ramify.pagestore.server;

import io.ramify.wal.client.WalCluster;
import io.ramify.wal.client.WalLimits;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything one page-store shard needs. Defaults are in {@link Defaults}; the CLI maps its flags
 * onto this record.
 *
 * @param shard this shard's index, 0..shardCount-1
 * @param shardCount shards of the page store; must equal each timeline's shard count in ratis-wal
 * @param wal the ratis-wal cluster to pull ops from and acknowledge to
 * @param dataDir where this shard's RocksDB lives
 * @param host address the gRPC and HTTP servers bind to
 * @param port gRPC port; 0 picks a free one
 * @param metricsPort HTTP port for /metrics and /health; 0 picks a free one; -1 disables it
 * @param maxOpsPerPull most ops one pull asks ratis-wal for (one RocksDB batch)
 * @param maxBytesPerPull most bytes one pull asks ratis-wal for
 * @param pollMin pause between ingest rounds while there is work
 * @param pollMax longest pause between rounds when idle (the pause doubles while idle)
 * @param walBackoffMax longest pause after ratis-wal did not answer (the pause doubles per failure)
 * @param defaultWait how long a read waits for ingestion when the request does not say
 * @param historyWindow every cut this recent stays readable (docs/design.md rule 7)
 * @param gcInterval pause between garbage-collection runs
 */
public record PageStoreConfig(
        int shard,
        int shardCount,
        WalCluster wal,
        Path dataDir,
        String host,
        int port,
        int metricsPort,
        int maxOpsPerPull,
        int maxBytesPerPull,
        Duration pollMin,
        Duration pollMax,
        Duration walBackoffMax,
        Duration defaultWait,
        Duration historyWindow,
        Duration gcInterval) {

    /** Named defaults and limits, one place. */
    public static final class Defaults {
        public static final int OPS_PER_PULL_MAX = 512;
        public static final int BYTES_PER_PULL_MAX = WalLimits.OPS_READ_BYTES_MAX;
        public static final Duration POLL_MIN = Duration.ofMillis(5);
        /**
         * Longest pause of the lister while nothing moves: each round is a Raft read per WAL group.
         * Busy timelines have followers, and a reader waiting for a timeline behind asks for a round at once.
         */
        public static final Duration POLL_MAX = Duration.ofSeconds(1);

        public static final Duration WAL_BACKOFF_MAX = Duration.ofSeconds(5);
        public static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);
        public static final Duration HISTORY_WINDOW = Duration.ofHours(24);
        public static final Duration GC_INTERVAL = Duration.ofMinutes(5);
        /** Longest ingest wait a request may ask for. */
        public static final Duration WAIT_MAX = Duration.ofSeconds(60);
        /**
         * A shard acknowledges a timeline's ingested ops to ratis-wal (a Raft entry, and a synced write
         * here first) at most this often, or sooner once {@link #ACK_EVERY_OPS} ops are unacknowledged:
         * ratis-wal only needs a lower bound of what every shard holds to drop ops, not a record per
         * chunk, which cost a consensus write per commit.
         */
        public static final Duration ACK_INTERVAL = Duration.ofSeconds(1);

        public static final long ACK_EVERY_OPS = 16_384;
        /**
         * Longest time between two listings of every timeline while some are busy: new timelines and
         * new ops of quiet ones are found this late at worst (a reader waiting for one asks sooner).
         * At 200 ms the listings of two shards were 0.4 Raft reads per commit at -c 1.
         */
        public static final Duration LIST_INTERVAL = Duration.ofSeconds(1);
        /**
         * How long a follower's long poll waits for the next append before it asks again (capped at
         * half the ratis-wal client's request timeout).
         */
        public static final Duration LONG_POLL_WAIT = Duration.ofSeconds(1);
        /**
         * After a chunk that left nothing behind, a follower waits this long before its next pull, unless
         * a reader waits for the timeline: a busy timeline's commits then come in batches (one read
         * on the ratis-wal leader and one write here for many commits, instead of one each), at a
         * cost of this much ingest lag that nobody waits for. Reads that wait end it at once.
         */
        public static final Duration INGEST_BATCH_WAIT = Duration.ofMillis(100);
        /** A followed timeline with no new op for this long goes back to the lister's rounds. */
        public static final Duration FOLLOW_IDLE_MAX = Duration.ofSeconds(30);
        /** Timelines long-polled at once (a virtual thread and a waiting Raft read each). */
        public static final int FOLLOWED_MAX = 64;
        /** Chunks pulled for one timeline before the round moves on to the next (fairness). */
        public static final int CHUNKS_PER_TIMELINE_ROUND_MAX = 16;
        /** Consecutive failed rounds against ratis-wal after which /health reports unhealthy. */
        public static final int WAL_FAILURES_UNHEALTHY = 10;
        /** gRPC threads; reads that wait for ingestion hold one for at most their wait. */
        public static final int RPC_THREADS = 64;
        /** Blocks in one GetBlocks call (8 MiB of images). */
        public static final int BLOCKS_PER_CALL_MAX = 1024;
        /** Paths in one Stat call, timelines in one Usage call. */
        public static final int NAMES_PER_CALL_MAX = 10_000;
        /** Paths one ListTree answer may hold. */
        public static final int LIST_PATHS_MAX = 200_000;
        /** Largest request a shard accepts. */
        public static final int REQUEST_BYTES_MAX = 16 << 20;

        private Defaults() {}
    }

    public PageStoreConfig {
        if (shardCount < 1 || shardCount > WalLimits.SHARDS_MAX) {
            throw new IllegalArgumentException(
                    "shard count must be 1.." + WalLimits.SHARDS_MAX + ", got " + shardCount);
        }
        if (shard < 0 || shard >= shardCount) {
            throw new IllegalArgumentException("shard must be 0.." + (shardCount - 1) + ", got " + shard);
        }
        if (maxOpsPerPull < 1 || maxOpsPerPull > WalLimits.OPS_READ_OPS_MAX) {
            throw new IllegalArgumentException(
                    "ops per pull must be 1.." + WalLimits.OPS_READ_OPS_MAX + ", got " + maxOpsPerPull);
        }
        if (maxBytesPerPull < 1 || maxBytesPerPull > WalLimits.OPS_READ_BYTES_MAX) {
            throw new IllegalArgumentException(
                    "bytes per pull must be 1.." + WalLimits.OPS_READ_BYTES_MAX + ", got " + maxBytesPerPull);
        }
        if (pollMin.isNegative() || pollMax.compareTo(pollMin) < 0) {
            throw new IllegalArgumentException("need 0 <= poll min <= poll max, got " + pollMin + ", " + pollMax);
        }
        if (defaultWait.isNegative() || defaultWait.compareTo(Defaults.WAIT_MAX) > 0) {
            throw new IllegalArgumentException("default wait must be 0.." + Defaults.WAIT_MAX + ", got " + defaultWait);
        }
    }

    public static PageStoreConfig of(
            int shard, int shardCount, WalCluster wal, Path dataDir, String host, int port, int metricsPort) {
        return new PageStoreConfig(
                shard,
                shardCount,
                wal,
                dataDir,
                host,
                port,
                metricsPort,
                Defaults.OPS_PER_PULL_MAX,
                Defaults.BYTES_PER_PULL_MAX,
                Defaults.POLL_MIN,
                Defaults.POLL_MAX,
                Defaults.WAL_BACKOFF_MAX,
                Defaults.DEFAULT_WAIT,
                Defaults.HISTORY_WINDOW,
                Defaults.GC_INTERVAL);
    }

    public PageStoreConfig withMaxOpsPerPull(int ops) {
        return new PageStoreConfig(
                shard,
                shardCount,
                wal,
                dataDir,
                host,
                port,
                metricsPort,
                ops,
                maxBytesPerPull,
                pollMin,
                pollMax,
                walBackoffMax,
                defaultWait,
                historyWindow,
                gcInterval);
    }

    public PageStoreConfig withGc(Duration window, Duration interval) {
        return new PageStoreConfig(
                shard,
                shardCount,
                wal,
                dataDir,
                host,
                port,
                metricsPort,
                maxOpsPerPull,
                maxBytesPerPull,
                pollMin,
                pollMax,
                walBackoffMax,
                defaultWait,
                window,
                interval);
    }

    public PageStoreConfig withDataDir(Path dir) {
        return new PageStoreConfig(
                shard,
                shardCount,
                wal,
                dir,
                host,
                port,
                metricsPort,
                maxOpsPerPull,
                maxBytesPerPull,
                pollMin,
                pollMax,
                walBackoffMax,
                defaultWait,
                historyWindow,
                gcInterval);
    }
}
