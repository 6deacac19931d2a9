package io.ramify.adapter.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collection;

/**
 * What replication slots mean for {@code pg_wal} on a compute. Postgres keeps every segment from
 * the oldest {@code restart_lsn} of its slots; in Ramify removing a segment only changes the
 * mount's listing (every WAL byte stays in ratis-wal), and a compute lists {@code pg_wal} from the
 * redo point its image names. After a restart a slot whose {@code restart_lsn} lies before that
 * redo point would find its segments "already removed"; so the listing starts at the oldest
 * {@code restart_lsn} of the persistent slots instead. A slot thus costs no storage in Ramify (the
 * WAL is kept anyway); it only keeps the segments it needs in the listing, and, like any slot,
 * holds back VACUUM by its xmin / catalog_xmin.
 *
 * <p>Reads Postgres 15's on-disk slot ({@code ReplicationSlotOnDisk} in slot.c): magic, checksum,
 * version, length (4 bytes each), then the persistent data: name (64), database (4), persistency
 * (4), xmin (4), catalog_xmin (4), restart_lsn (8). Pure.
 */
final class SlotRetention {
    static final int SLOT_MAGIC = 0x1051CA1;
    static final int PERSISTENCY_OFFSET = 16 + 64 + 4;
    static final int RESTART_LSN_OFFSET = 16 + 64 + 4 + 4 + 4 + 4;
    /** RS_PERSISTENT: ephemeral and temporary slots are dropped when Postgres starts. */
    static final int PERSISTENT = 0;

    private SlotRetention() {}

    /** The oldest restart_lsn of the persistent slots whose state files are given; MAX_VALUE when none. */
    static long oldestRestartLsn(Collection<byte[]> stateFiles) {
        long oldest = Long.MAX_VALUE;
        for (byte[] s : stateFiles) {
            if (s == null || s.length < RESTART_LSN_OFFSET + 8) {
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
            long lsn = b.getLong(RESTART_LSN_OFFSET);
            if (b.getInt(0) == SLOT_MAGIC && b.getInt(PERSISTENCY_OFFSET) == PERSISTENT && lsn != 0) {
                oldest = Math.min(oldest, lsn);
            }
        }
        return oldest;
    }
}
