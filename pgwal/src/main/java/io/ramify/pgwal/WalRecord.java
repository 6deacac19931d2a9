package io.ramify.pgwal;

/**
 * One decoded WAL record.
 *
 * @param start LSN of the record header
 * @param end start + total length including any page headers crossed. Not MAXALIGNed: Postgres's
 *     own EndRecPtr is MAXALIGN(end), and for an XLOG_SWITCH record the start of the next segment;
 *     see {@link WalDecoder#nextRecordStart}
 * @param prev xl_prev, the start of the previous record
 * @param xid xl_xid, unsigned in Postgres (use {@link Integer#toUnsignedLong})
 * @param rmid resource manager id (XLOG=0, Transaction=1, ...)
 * @param info xl_info, including the low 4 bits the WAL machinery uses
 * @param totalLength xl_tot_len, without page headers
 * @param checkpointRedo the redo LSN of a checkpoint record (XLOG CHECKPOINT_SHUTDOWN or
 *     CHECKPOINT_ONLINE), else -1
 * @param commitTimestampMicros xact_time of a commit or abort record (also COMMIT_PREPARED and
 *     ABORT_PREPARED), microseconds since 2000-01-01 00:00 UTC; else {@link Long#MIN_VALUE}
 * @param isCommit XACT COMMIT or COMMIT_PREPARED
 * @param isAbort XACT ABORT or ABORT_PREPARED
 * @param isSwitch XLOG SWITCH: the rest of the segment is unused
 */
public record WalRecord(
        long start,
        long end,
        long prev,
        int xid,
        int rmid,
        int info,
        int totalLength,
        long checkpointRedo,
        long commitTimestampMicros,
        boolean isCommit,
        boolean isAbort,
        boolean isSwitch) {}
