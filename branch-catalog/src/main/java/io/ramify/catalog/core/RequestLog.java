package io.ramify.catalog.core;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.Reply;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The catalog's memory of applied request ids, so a client can retry a command (after a timeout,
 * a leader change, or its own restart) without applying it twice: the retry gets the first
 * result and changes nothing. Each entry keeps a digest of its command, so an id reused for a
 * different command is refused rather than answered with an unrelated result.
 *
 * <p>Bounded: at most {@link Limits#maxEntries} ids, and ids older than {@link
 * Limits#retentionMillis} are evicted oldest first, a few per applied command. A retry after its
 * id was evicted is applied as a new command. Refused commands are not remembered (they changed
 * nothing; a retry is judged afresh).
 */
final class RequestLog {
    /** Bounds of the log; every replica must use the same ones (see {@link CatalogLimits}). */
    record Limits(int maxEntries, long retentionMillis, int evictionsPerCommand) {
        static final Limits DEFAULT = new Limits(
                CatalogLimits.REQUEST_IDS_RETAINED,
                CatalogLimits.REQUEST_ID_RETENTION.toMillis(),
                CatalogLimits.REQUEST_ID_EVICTIONS_PER_COMMAND);

        Limits {
            if (maxEntries < 1 || evictionsPerCommand < 2) {
                // Two evictions per command at least, so the log shrinks back when a limit was lowered.
                throw new IllegalArgumentException("request log limits must allow 1+ entries and 2+ evictions: "
                        + maxEntries + ", " + evictionsPerCommand);
            }
        }
    }

    private static final int DIGEST_BYTES = 32;

    private RequestLog() {}

    static String checkId(String id) throws Rejected {
        if (!CatalogLimits.REQUEST_ID.matcher(id).matches()) {
            throw new Rejected(
                    Code.MALFORMED,
                    "request id '" + (id.length() > 80 ? id.substring(0, 80) + "…" : id)
                            + "' is not valid: 1 to 128 printable ASCII characters without spaces (a UUID will do)");
        }
        return id;
    }

    static byte[] digest(Command c) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(c.toByteArray());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The first result of {@code id}, or null when it was not applied (or was evicted). */
    static Reply earlier(Store s, String id, byte[] digest) throws Rejected {
        byte[] v = s.kv().get(Keys.request(id));
        if (v == null) {
            return null;
        }
        ByteBuffer bb = ByteBuffer.wrap(v);
        long at = bb.getLong();
        bb.getLong(); // seq
        byte[] d = new byte[DIGEST_BYTES];
        bb.get(d);
        if (!Arrays.equals(d, digest)) {
            throw new Rejected(
                    Code.REQUEST_ID_REUSED,
                    "request id " + id + " was used at " + Check.time(at)
                            + " for a different command; use a new id for every operation");
        }
        try {
            return Reply.parseFrom(bb);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(
                    "stored reply of request " + id + " does not parse: local state is corrupt", e);
        }
    }

    /** Remembers {@code id}'s result and evicts what the limits say is too many or too old. */
    static void record(Store s, String id, byte[] digest, Reply reply, Limits limits) {
        Store.Meta m = s.meta();
        long seq = m.nextRequestSeq();
        byte[] r = reply.toByteArray();
        s.writes()
                .put(
                        Keys.request(id),
                        ByteBuffer.allocate(16 + DIGEST_BYTES + r.length)
                                .putLong(s.now())
                                .putLong(seq)
                                .put(digest)
                                .put(r)
                                .array());
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        s.writes()
                .put(
                        Keys.requestOrder(seq),
                        ByteBuffer.allocate(8 + idBytes.length)
                                .putLong(s.now())
                                .put(idBytes)
                                .array());
        long oldest = m.oldestRequestSeq();
        long next = seq + 1;
        for (int i = 0; i < limits.evictionsPerCommand() && oldest < next; i++) {
            byte[] o = s.kv().get(Keys.requestOrder(oldest));
            if (o == null) {
                throw new IllegalStateException("request log entry " + oldest + " is missing below " + next);
            }
            ByteBuffer bb = ByteBuffer.wrap(o);
            long at = bb.getLong();
            boolean tooMany = next - oldest > limits.maxEntries();
            boolean tooOld = at < s.now() - limits.retentionMillis();
            if (!tooMany && !tooOld) {
                break;
            }
            s.writes().delete(Keys.request(new String(o, 8, o.length - 8, StandardCharsets.UTF_8)));
            s.writes().delete(Keys.requestOrder(oldest));
            oldest++;
        }
        s.putMeta(new Store.Meta(m.projects(), next, oldest));
    }
}
