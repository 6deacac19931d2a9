package io.ramify.pagestore.core;

import io.ramify.common.TimelineId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The byte layout of a shard's RocksDB keys, in one place. Numbers are big-endian so byte order
 * is numeric order; a file path is its UTF-8 bytes ended by 0x00 (paths never contain NUL), so
 * all keys of one file sort together and before any longer path with the same prefix.
 *
 * <pre>
 *   'V' timeline(16) path 0x00 block(8) seq(8) -> block version: kind(1) crc32c(4) [image(8192)]
 *   'E' timeline(16) path 0x00 seq(8)          -> barrier event: CREATE, TRUNCATE, UNLINK,
 *                                                 RENAME_IN/OUT, MKDIR, RMDIR (see EventRec)
 *   'Z' timeline(16) path 0x00 seq(8)          -> size history: TRUNCATE and EXTEND sizes (8)
 *   'I' timeline(16)                           -> last ingested seq (8)
 *   'U' timeline(16)                           -> own stored bytes (8), own versions (8)
 * </pre>
 */
public final class PageKeys {
    public static final byte VERSION = 'V';
    public static final byte EVENT = 'E';
    public static final byte SIZE = 'Z';
    public static final byte INGESTED = 'I';
    public static final byte USAGE = 'U';
    private static final int TL = 16;

    private PageKeys() {}

    static byte[] fileKey(byte kind, TimelineId tl, String path, int extra) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + TL + p.length + 1 + extra);
        b.put(kind).put(tl.toBytes()).put(p).put((byte) 0);
        return b.array();
    }

    public static byte[] version(TimelineId tl, String path, long block, long seq) {
        byte[] k = fileKey(VERSION, tl, path, 16);
        ByteBuffer.wrap(k, k.length - 16, 16).putLong(block).putLong(seq);
        return k;
    }

    public static byte[] event(byte kind, TimelineId tl, String path, long seq) {
        byte[] k = fileKey(kind, tl, path, 8);
        ByteBuffer.wrap(k, k.length - 8, 8).putLong(seq);
        return k;
    }

    public static byte[] perTimeline(byte kind, TimelineId tl) {
        return ByteBuffer.allocate(1 + TL).put(kind).put(tl.toBytes()).array();
    }

    /** First key after every key of this kind and timeline. */
    public static byte[] timelineEnd(byte kind, TimelineId tl) {
        byte[] k = Arrays.copyOf(perTimeline(kind, tl), 1 + TL + 1);
        k[1 + TL] = (byte) 0xFF; // no UTF-8 path starts with 0xFF
        return k;
    }

    /** First key after every key of this kind, timeline and path (all blocks and seqs). */
    public static byte[] fileEnd(byte kind, TimelineId tl, String path) {
        byte[] k = fileKey(kind, tl, path, 0);
        k[k.length - 1] = 1;
        return k;
    }

    /** The last 8 bytes of a key as a number (the seq of V, E and Z keys). */
    public static long lastLong(byte[] key) {
        return ByteBuffer.wrap(key, key.length - 8, 8).getLong();
    }

    /** The block number of a V key. */
    public static long versionBlock(byte[] key) {
        return ByteBuffer.wrap(key, key.length - 16, 8).getLong();
    }

    /** The path in a V, E or Z key. */
    public static String path(byte[] key) {
        int end = 1 + TL;
        while (key[end] != 0) {
            end++;
        }
        return new String(key, 1 + TL, end - 1 - TL, StandardCharsets.UTF_8);
    }

    /** Whether {@code key} lies in the key range of this kind, timeline and path. */
    static boolean samePath(byte[] key, byte kind, TimelineId tl, String path) {
        byte[] prefix = fileKey(kind, tl, path, 0);
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
