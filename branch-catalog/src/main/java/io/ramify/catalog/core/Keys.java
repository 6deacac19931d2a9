package io.ramify.catalog.core;

import io.ramify.common.TimelineId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The one place that knows the byte layout of the catalog's RocksDB keys. Every key starts with a
 * one-byte kind. Names are UTF-8 and never contain a zero byte (the name rules forbid it), so
 * {@code project 0x00} is an exact prefix of one project's keys; numbers are big-endian, so byte
 * order is numeric order.
 *
 * <pre>
 *   'A'                              -> applied term + index (owned by GroupDb, never written here)
 *   'm'                              -> counters: projects created, next request seq, oldest request seq
 *   'p' project                      -> ProjectRecord
 *   'b' project 0x00 branch          -> BranchRecord
 *   't' timeline(16)                 -> TimelineRecord (tombstones included)
 *   'l' project 0x00 timeline(16)    -> empty: the timelines of a project
 *   'g' timeline(16)                 -> LeaseRecord
 *   'e' expiresAt(8) project 0x00 branch -> empty: branches by expiry time
 *   'r' requestId                    -> applied at(8) + seq(8) + command digest(32) + Reply
 *   'q' seq(8)                       -> applied at(8) + requestId: request ids in the order applied
 * </pre>
 */
final class Keys {
    static final byte META = 'm';
    static final byte PROJECT = 'p';
    static final byte BRANCH = 'b';
    static final byte TIMELINE = 't';
    static final byte PROJECT_TIMELINE = 'l';
    static final byte LEASE = 'g';
    static final byte EXPIRY = 'e';
    static final byte REQUEST = 'r';
    static final byte REQUEST_ORDER = 'q';

    private Keys() {}

    static byte[] meta() {
        return new byte[] {META};
    }

    static byte[] project(String name) {
        return withName(PROJECT, name, 0).array();
    }

    /** Keys of all projects are in [kindStart(PROJECT), kindEnd(PROJECT)). */
    static byte[] kindStart(byte kind) {
        return new byte[] {kind};
    }

    static byte[] kindEnd(byte kind) {
        return new byte[] {(byte) (kind + 1)};
    }

    static String projectName(byte[] key) {
        return new String(key, 1, key.length - 1, StandardCharsets.UTF_8);
    }

    static byte[] branch(String project, String branch) {
        byte[] b = branch.getBytes(StandardCharsets.UTF_8);
        return withName(BRANCH, project, 1 + b.length).put((byte) 0).put(b).array();
    }

    /** All branches of a project are in [projectStart(BRANCH, p), projectEnd(BRANCH, p)). */
    static byte[] projectStart(byte kind, String project) {
        return withName(kind, project, 1).put((byte) 0).array();
    }

    static byte[] projectEnd(byte kind, String project) {
        return withName(kind, project, 1).put((byte) 1).array();
    }

    static byte[] timeline(TimelineId tl) {
        return ByteBuffer.allocate(17).put(TIMELINE).put(tl.toBytes()).array();
    }

    static byte[] projectTimeline(String project, TimelineId tl) {
        return withName(PROJECT_TIMELINE, project, 17)
                .put((byte) 0)
                .put(tl.toBytes())
                .array();
    }

    static TimelineId projectTimelineId(byte[] key) {
        byte[] id = new byte[16];
        System.arraycopy(key, key.length - 16, id, 0, 16);
        return TimelineId.fromBytes(id);
    }

    static byte[] lease(TimelineId tl) {
        return ByteBuffer.allocate(17).put(LEASE).put(tl.toBytes()).array();
    }

    static byte[] expiry(long atMillis, String project, String branch) {
        byte[] p = project.getBytes(StandardCharsets.UTF_8);
        byte[] b = branch.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 + p.length + 1 + b.length)
                .put(EXPIRY)
                .putLong(atMillis)
                .put(p)
                .put((byte) 0)
                .put(b)
                .array();
    }

    /** Expiry keys with a time at or below {@code atMillis} sort before this one. */
    static byte[] expiryEnd(long atMillis) {
        return ByteBuffer.allocate(9).put(EXPIRY).putLong(atMillis + 1).array();
    }

    /** Project and branch of an expiry key. */
    static String[] expiryBranch(byte[] key) {
        String rest = new String(key, 9, key.length - 9, StandardCharsets.UTF_8);
        int zero = rest.indexOf('\0');
        return new String[] {rest.substring(0, zero), rest.substring(zero + 1)};
    }

    static byte[] request(String requestId) {
        return withName(REQUEST, requestId, 0).array();
    }

    static byte[] requestOrder(long seq) {
        return ByteBuffer.allocate(9).put(REQUEST_ORDER).putLong(seq).array();
    }

    private static ByteBuffer withName(byte kind, String name, int extra) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + n.length + extra).put(kind).put(n);
    }
}
