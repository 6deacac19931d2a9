package io.ramify.wal.core;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.WalLimits;
import io.ramify.wal.proto.BlockWrite;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.TimelineStatus;

/** Parsing of stored records and validation of op contents. */
final class Codec {
    private Codec() {}

    /** Stored by this replica itself, so a parse failure is local corruption, not bad input. */
    static TimelineStatus status(byte[] b) {
        try {
            return TimelineStatus.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored timeline status does not parse: local state is corrupt", e);
        }
    }

    static void checkBlock(TimelineId tl, long seq, BlockWrite b) throws Rejected {
        checkPath(tl, seq, b.getFile());
        if (b.getImage().size() != WalLimits.BLOCK_SIZE) {
            throw new Rejected(
                    Code.MALFORMED,
                    "block write " + b.getFile() + "#" + b.getBlock() + " at seq " + seq + " of timeline " + tl
                            + " has " + b.getImage().size() + " bytes; a block is " + WalLimits.BLOCK_SIZE);
        }
        if (b.getBlock() > 0xFFFF_FFFEL) {
            throw new Rejected(
                    Code.MALFORMED,
                    "block number " + b.getBlock() + " of " + b.getFile() + " at seq " + seq
                            + " is beyond Postgres's block range");
        }
    }

    static void checkFileEvent(TimelineId tl, long seq, FileEvent e) throws Rejected {
        checkPath(tl, seq, e.getPath());
        switch (e.getKind()) {
            case RENAME -> checkPath(tl, seq, e.getTarget());
            case CREATE, TRUNCATE, UNLINK, MKDIR, RMDIR, EXTEND -> {
                if (!e.getTarget().isEmpty()) {
                    throw new Rejected(
                            Code.MALFORMED,
                            e.getKind() + " of " + e.getPath() + " at seq " + seq + " must not name a target");
                }
            }
            default ->
                throw new Rejected(
                        Code.MALFORMED,
                        "file event at seq " + seq + " of timeline " + tl + " has no valid kind (" + e.getKindValue()
                                + ")");
        }
    }

    /** Paths are relative to the data directory, normalised, without "." or ".." parts. */
    static void checkPath(TimelineId tl, long seq, String p) throws Rejected {
        boolean ok = !p.isEmpty()
                && p.length() <= WalLimits.PATH_CHARS_MAX
                && !p.startsWith("/")
                && !p.endsWith("/")
                && !p.contains("//")
                && p.indexOf('\0') < 0;
        if (ok) {
            for (String part : p.split("/")) {
                ok &= !part.equals(".") && !part.equals("..");
            }
        }
        if (!ok) {
            throw new Rejected(
                    Code.MALFORMED,
                    "op at seq " + seq + " of timeline " + tl + " has an invalid path '"
                            + (p.length() > 80 ? p.substring(0, 80) + "…" : p) + "'");
        }
    }
}
