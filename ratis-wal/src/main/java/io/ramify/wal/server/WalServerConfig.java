package io.ramify.wal.server;

import io.ramify.raft.host.HostedGroup;
import io.ramify.wal.client.WalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Everything one ratis-wal node needs. Defaults are in {@link Defaults}; the CLI maps flags and
 * config-file keys of the same names onto this record.
 *
 * @param nodeId this node's id in {@code cluster}
 * @param dataDir where Raft logs, snapshots and RocksDB live (one sub-directory per group)
 * @param metricsPort HTTP port for /metrics and /health; 0 picks a free one; -1 disables it
 * @param snapshotEveryEntries take a snapshot (RocksDB checkpoint) after this many log entries,
 *     after which the Raft log is trimmed up to it
 * @param electionTimeoutMin lower bound of Raft's randomised election timeout
 * @param segmentSizeMaxBytes size of a Raft log segment file
 * @param hostedGroups Raft groups with a state machine of their own that this node hosts beside the
 *     WAL groups, with the same Ratis settings (the branch catalog is one; {@link HostedGroup})
 */
public record WalServerConfig(
        WalCluster cluster,
        String nodeId,
        Path dataDir,
        int metricsPort,
        long snapshotEveryEntries,
        Duration electionTimeoutMin,
        long segmentSizeMaxBytes,
        List<HostedGroup> hostedGroups) {

    /** Named defaults, one place. */
    public static final class Defaults {
        public static final int GROUPS_PER_NODE = 1; // x nodes = groups
        public static final long SNAPSHOT_EVERY_ENTRIES = 20_000;
        public static final Duration ELECTION_TIMEOUT_MIN = Duration.ofMillis(1000);
        /**
         * A leader answers linearizable reads from its lease while a majority acknowledged an append
         * it sent within this fraction of the minimum election timeout: no follower can have started
         * an election in that time. Without it, a read right after a write waited for the next
         * heartbeat round (~0.5 s; bench ReadAfterWriteProbe).
         */
        public static final double LEADER_LEASE_RATIO = 0.9;
        /** How long the leader waits for a follower's answer to an append before re-sending. */
        public static final Duration RPC_REQUEST_TIMEOUT = Duration.ofSeconds(10);

        public static final long SEGMENT_SIZE_MAX_BYTES = 16L << 20;
        /**
         * Raft log entries cached in memory per group: Ratis keeps whole recent segments; its default
         * (6 segments, 200 MB per group) exhausts a heap that hosts several groups.
         */
        public static final int LOG_CACHE_SEGMENTS_MAX = 2;

        public static final long LOG_CACHE_BYTES_MAX = 32L << 20;
        /** gRPC message limit: a batch (4 MiB) plus framing, or a snapshot chunk. */
        public static final long GRPC_MESSAGE_SIZE_MAX_BYTES = 20L << 20;
        /** Bytes of log entries the leader sends a follower in one append. */
        public static final long APPENDER_BUFFER_BYTES_MAX = 8L << 20;
        /** Raft log write buffer; Ratis requires it to exceed the appender's limit. */
        public static final long LOG_WRITE_BUFFER_BYTES = 16L << 20;

        private Defaults() {}
    }

    public WalServerConfig {
        cluster.node(nodeId); // fails with the list of nodes when the id is unknown
        if (snapshotEveryEntries < 100) {
            throw new IllegalArgumentException(
                    "snapshot interval must be at least 100 entries, got " + snapshotEveryEntries);
        }
        hostedGroups = List.copyOf(hostedGroups);
        checkHostedGroups(cluster, nodeId, hostedGroups);
    }

    /** A node that hosts the WAL groups only. */
    public WalServerConfig(
            WalCluster cluster,
            String nodeId,
            Path dataDir,
            int metricsPort,
            long snapshotEveryEntries,
            Duration electionTimeoutMin,
            long segmentSizeMaxBytes) {
        this(
                cluster,
                nodeId,
                dataDir,
                metricsPort,
                snapshotEveryEntries,
                electionTimeoutMin,
                segmentSizeMaxBytes,
                List.of());
    }

    private static void checkHostedGroups(WalCluster cluster, String nodeId, List<HostedGroup> hosted) {
        Set<Object> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < cluster.groupCount(); i++) {
            ids.add(cluster.groupId(i));
        }
        for (HostedGroup h : hosted) {
            if (!ids.add(h.group().getGroupId()) || !names.add(h.name())) {
                throw new IllegalArgumentException("hosted group " + h.name() + " ("
                        + h.group().getGroupId() + ") repeats the id or name of another group");
            }
            if (h.group().getPeer(RaftPeerId.valueOf(nodeId)) == null) {
                throw new IllegalArgumentException("node " + nodeId + " is not a peer of hosted group " + h.name()
                        + ": " + h.group().getPeers());
            }
        }
    }

    public static WalServerConfig of(WalCluster cluster, String nodeId, Path dataDir, int metricsPort) {
        return new WalServerConfig(
                cluster,
                nodeId,
                dataDir,
                metricsPort,
                Defaults.SNAPSHOT_EVERY_ENTRIES,
                Defaults.ELECTION_TIMEOUT_MIN,
                Defaults.SEGMENT_SIZE_MAX_BYTES);
    }

    public WalServerConfig withSnapshotEveryEntries(long n) {
        return new WalServerConfig(
                cluster, nodeId, dataDir, metricsPort, n, electionTimeoutMin, segmentSizeMaxBytes, hostedGroups);
    }

    public WalServerConfig withSegmentSizeMaxBytes(long bytes) {
        return new WalServerConfig(
                cluster, nodeId, dataDir, metricsPort, snapshotEveryEntries, electionTimeoutMin, bytes, hostedGroups);
    }

    /** This configuration with one more hosted group. */
    public WalServerConfig withHostedGroup(HostedGroup g) {
        List<HostedGroup> all = new ArrayList<>(hostedGroups);
        all.add(g);
        return new WalServerConfig(
                cluster,
                nodeId,
                dataDir,
                metricsPort,
                snapshotEveryEntries,
                electionTimeoutMin,
                segmentSizeMaxBytes,
                all);
    }
}
