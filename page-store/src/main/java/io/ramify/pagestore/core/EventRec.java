package io.ramify.pagestore.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A barrier event of one path in one timeline: something that hides older content of that path,
 * or makes it come from elsewhere. Growth (EXTEND) is not a barrier and lives only in the size
 * history. A rename is stored twice: RENAME_OUT under the source, RENAME_IN under the target.
 */
public record EventRec(Kind kind, long size, String other) {
    public enum Kind {
        CREATE,
        TRUNCATE,
        UNLINK,
        RENAME_OUT,
        RENAME_IN,
        MKDIR,
        RMDIR
    }

    public byte[] encode() {
        byte[] o = other == null ? new byte[0] : other.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 + o.length)
                .put((byte) kind.ordinal())
                .putLong(size)
                .put(o)
                .array();
    }

    public static EventRec decode(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b);
        Kind k = Kind.values()[bb.get()];
        long size = bb.getLong();
        String other = b.length > 9 ? new String(b, 9, b.length - 9, StandardCharsets.UTF_8) : null;
        return new EventRec(k, size, other);
    }
}
