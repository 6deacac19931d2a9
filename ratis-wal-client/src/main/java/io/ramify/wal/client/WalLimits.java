package io.ramify.wal.client;

/**
 * Limits that are part of ratis-wal's contract: the state machine enforces them identically on
 * every replica (so they are constants, not settings), and the client stays inside them.
 */
public final class WalLimits {
    /** Largest encoded batch the log accepts; the client splits bigger ones. */
    public static final int BATCH_BYTES_MAX = 4 << 20;
    /** Most ops in one batch. */
    public static final int BATCH_OPS_MAX = 4096;
    /** Size of a block image in a block write. */
    public static final int BLOCK_SIZE = 8192;
    /** WAL page size of Postgres (XLOG_BLCKSZ). */
    public static final int WAL_PAGE_SIZE = 8192;
    /** Postgres's default WAL segment size. */
    public static final int DEFAULT_SEGMENT_SIZE = 16 << 20;
    /** Most bytes one WAL read returns. */
    public static final int WAL_READ_BYTES_MAX = 1 << 20;
    /** Most bytes and ops one op-stream read returns, and most op keys it scans. */
    public static final int OPS_READ_BYTES_MAX = 4 << 20;

    public static final int OPS_READ_OPS_MAX = 2048;
    public static final int OPS_SCAN_MAX = 8192;
    /**
     * Longest wait of a long-polling {@code ReadOps}; a reader's request timeout must exceed it
     * (the client's default request timeout is 5 s).
     */
    public static final int READ_WAIT_MILLIS_MAX = 2_000;
    /** Most page-store shards a timeline can have. */
    public static final int SHARDS_MAX = 256;
    /** Longest file path in an op. */
    public static final int PATH_CHARS_MAX = 1024;
    /** Most checkpoints one listing returns (oldest first). */
    public static final int CHECKPOINTS_LISTED_MAX = 1000;
    /** Most timelines one listing returns. */
    public static final int TIMELINES_LISTED_MAX = 1000;

    private WalLimits() {}
}
