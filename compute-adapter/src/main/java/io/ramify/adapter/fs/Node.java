package io.ramify.adapter.fs;

import java.util.TreeMap;

/** One path of the mounted data directory, as this compute sees it now. */
final class Node {
    final boolean dir;
    final PathKind kind;
    long size;
    long mtimeMillis;
    /** Contents of a scratch file (never stored anywhere else), by block. */
    final TreeMap<Long, byte[]> scratch;

    Node(boolean dir, PathKind kind, long size, long mtimeMillis) {
        this.dir = dir;
        this.kind = kind;
        this.size = size;
        this.mtimeMillis = mtimeMillis;
        this.scratch = kind == PathKind.SCRATCH && !dir ? new TreeMap<>() : null;
    }
}
