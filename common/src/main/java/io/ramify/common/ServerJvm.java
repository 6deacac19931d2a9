package io.ramify.common;

import java.util.List;

/**
 * JVM options of every long-running Ramify server process (ratis-wal nodes, page-store shards, the
 * control plane with its computes), in one place: {@code ramify up} and the benchmarks start their
 * servers with them. The heap ({@code -Xmx}) is chosen per process by whoever starts it.
 *
 * <p>The serial collector: these JVMs keep small heaps (at most 1–2 GiB, mostly short-lived
 * request buffers) on machines with few cores, where G1's concurrent refinement and marking
 * threads compete with Ratis, gRPC and Postgres for the same cores. Side by side in {@code
 * bench/write-path} (docs/benchmarks.md, "JVM choice") it cost less CPU per commit at -c 4 and
 * as little at -c 1. The JIT stays tiered (C1 then C2): C1 alone cost less at -c 1 in a short
 * run, where compiling is a large share, but more at -c 4, and servers run for days.
 */
public final class ServerJvm {
    public static final List<String> OPTIONS = List.of("-XX:+UseSerialGC");

    private ServerJvm() {}
}
