package io.ramify.wal.server;

import com.codahale.metrics.MetricRegistry;
import io.ramify.common.ops.OpsHttpServer;
import io.ramify.raft.host.RocksStateMachine;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ratis-wal node: a Ratis server hosting every group of the cluster (multi-Raft), each group
 * with its own {@link WalStateMachine} and RocksDB, plus the operators' HTTP endpoint. On first
 * start the node adds the groups it does not host yet; on restart Ratis finds them on disk.
 *
 * <p>Besides the WAL groups a node can host other groups with state machines of their own ({@link
 * io.ramify.raft.host.HostedGroup}, e.g. the branch catalog): they share the Ratis server, its port
 * and settings, and appear in the gauges and in /health under their names.
 */
public final class WalServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalServer.class);

    private final WalServerConfig config;
    private final RaftServer server;
    private final MetricRegistry metrics;
    private final OpsHttpServer http;

    private WalServer(WalServerConfig config, RaftServer server, MetricRegistry metrics, OpsHttpServer http) {
        this.config = config;
        this.server = server;
        this.metrics = metrics;
        this.http = http;
    }

    public static WalServer start(WalServerConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        MetricRegistry metrics = new MetricRegistry();
        WalCluster.Node self = config.cluster().node(config.nodeId());
        RaftServer server = RaftServer.newBuilder()
                .setServerId(config.cluster().peerId(config.nodeId()))
                .setProperties(raftProperties(config, self))
                .setStateMachineRegistry(registry(config, metrics))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        addMissingGroups(config, server);
        registerGauges(config, server, metrics);
        WalServer ws = new WalServer(config, server, metrics, null);
        OpsHttpServer http = config.metricsPort() < 0
                ? null
                : OpsHttpServer.start(self.host(), config.metricsPort(), metrics, ws::health);
        ws = new WalServer(config, server, metrics, http);
        String hosted = String.join(
                "", config.hostedGroups().stream().map(h -> " + " + h.name()).toList());
        LOG.info(
                "ratis-wal node {} serving {} groups{} on {} (metrics {})",
                config.nodeId(),
                config.cluster().groupCount(),
                hosted,
                self.address(),
                http == null ? "off" : "http://" + self.host() + ":" + http.port() + "/metrics");
        return ws;
    }

    /** A {@link WalStateMachine} for each WAL group, the hosted group's own for each hosted group. */
    private static StateMachine.Registry registry(WalServerConfig c, MetricRegistry metrics) {
        Map<RaftGroupId, io.ramify.raft.host.HostedGroup> hosted = new HashMap<>();
        c.hostedGroups().forEach(h -> hosted.put(h.group().getGroupId(), h));
        return gid -> {
            io.ramify.raft.host.HostedGroup h = hosted.get(gid);
            return h == null ? new WalStateMachine(metrics) : h.stateMachine().apply(metrics);
        };
    }

    /** Every group this node hosts, each with the name used in logs, gauges and /health. */
    private static Map<String, RaftGroup> allGroups(WalServerConfig c) {
        Map<String, RaftGroup> all = new LinkedHashMap<>();
        for (int i = 0; i < c.cluster().groupCount(); i++) {
            all.put("group" + i, c.cluster().group(i));
        }
        c.hostedGroups().forEach(h -> all.put(h.name(), h.group()));
        return all;
    }

    /**
     * The Ratis settings of a node; public so that bench/ratis-floor measures bare Ratis with
     * exactly these.
     */
    public static RaftProperties raftProperties(WalServerConfig c, WalCluster.Node self) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(c.dataDir().toFile()));
        GrpcConfigKeys.Server.setPort(p, self.port());
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(WalServerConfig.Defaults.GRPC_MESSAGE_SIZE_MAX_BYTES));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(
                p, SizeInBytes.valueOf(WalServerConfig.Defaults.APPENDER_BUFFER_BYTES_MAX));
        RaftServerConfigKeys.Log.setWriteBufferSize(
                p, SizeInBytes.valueOf(WalServerConfig.Defaults.LOG_WRITE_BUFFER_BYTES));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, WalServerConfig.Defaults.LOG_CACHE_SEGMENTS_MAX);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(
                p, SizeInBytes.valueOf(WalServerConfig.Defaults.LOG_CACHE_BYTES_MAX));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(c.segmentSizeMaxBytes()));
        // No "log metadata" entries: by default the leader appends one after every commit to record
        // the commit index, so that a restarted node can apply up to it before it hears from a leader.
        // They doubled the entries (and fsyncs on every node) per commit; the commit index is learnt
        // from the leader's next append anyway, and Raft never needed it durable (rule 2 is about the
        // entries, which are still fsynced before a node acknowledges them).
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        // Purge as often as snapshots are taken; only closed segments are ever purged.
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, c.snapshotEveryEntries()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, c.snapshotEveryEntries());
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        RaftServerConfigKeys.Read.setLeaderLeaseTimeoutRatio(p, WalServerConfig.Defaults.LEADER_LEASE_RATIO);
        // A follower fsyncing a few MiB of log on a busy disk can take seconds; Ratis's default 3 s
        // request timeout then makes the leader re-send, which did not recover under pgbench load.
        RaftServerConfigKeys.Rpc.setRequestTimeout(
                p,
                TimeDuration.valueOf(
                        WalServerConfig.Defaults.RPC_REQUEST_TIMEOUT.toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS));
        long min = c.electionTimeoutMin().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(
                p, TimeDuration.valueOf(min, java.util.concurrent.TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(
                p, TimeDuration.valueOf(2 * min, java.util.concurrent.TimeUnit.MILLISECONDS));
        return p;
    }

    private static void addMissingGroups(WalServerConfig c, RaftServer server) throws IOException {
        Set<RaftGroupId> have = new HashSet<>();
        server.getGroupIds().forEach(have::add);
        AtomicLong callId = new AtomicLong();
        for (Map.Entry<String, RaftGroup> e : allGroups(c).entrySet()) {
            RaftGroup g = e.getValue();
            if (have.contains(g.getGroupId())) {
                continue;
            }
            RaftClientReply r = server.groupManagement(GroupManagementRequest.newAdd(
                    ClientId.randomId(), server.getId(), callId.incrementAndGet(), g, true));
            if (!r.isSuccess()) {
                throw new IOException("node " + c.nodeId() + " could not add " + e.getKey() + ": " + r.getException());
            }
            LOG.info("node {} added {} ({})", c.nodeId(), e.getKey(), g.getGroupId());
        }
    }

    /**
     * Per group: commit and applied index, apply lag, whether this node leads it, database size.
     * WAL group i is {@code wal.group<i>.*}, a hosted group {@code wal.<name>.*}.
     */
    private static void registerGauges(WalServerConfig c, RaftServer server, MetricRegistry metrics) {
        for (Map.Entry<String, RaftGroup> e : allGroups(c).entrySet()) {
            RaftGroupId gid = e.getValue().getGroupId();
            String p = "wal." + e.getKey() + ".";
            metrics.gauge(
                    p + "commit_index",
                    () -> () -> division(server, gid)
                            .map(d -> d.getRaftLog().getLastCommittedIndex())
                            .orElse(-1L));
            metrics.gauge(
                    p + "applied_index",
                    () -> () -> division(server, gid)
                            .map(d -> d.getInfo().getLastAppliedIndex())
                            .orElse(-1L));
            metrics.gauge(
                    p + "apply_lag_entries",
                    () -> () -> division(server, gid)
                            .map(d -> d.getRaftLog().getLastCommittedIndex()
                                    - d.getInfo().getLastAppliedIndex())
                            .orElse(-1L));
            metrics.gauge(
                    p + "is_leader",
                    () -> () -> division(server, gid)
                            .map(d -> d.getInfo().isLeader() ? 1 : 0)
                            .orElse(0));
            metrics.gauge(
                    p + "db_bytes",
                    () -> () -> division(server, gid)
                            .map(d ->
                                    d.getStateMachine() instanceof RocksStateMachine r ? r.approximateSizeBytes() : -1L)
                            .orElse(-1L));
        }
    }

    private static java.util.Optional<RaftServer.Division> division(RaftServer server, RaftGroupId gid) {
        try {
            return java.util.Optional.of(server.getDivision(gid));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Each group's role, leader and lag, as JSON: WAL groups under {@code groups} (numbered), hosted
     * groups under {@code hosted} (named). Healthy when every group is alive (a division Ratis
     * closed after a failure serves nothing until the node is repaired) and knows a leader.
     */
    public OpsHttpServer.Health health() {
        List<String> groups = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < config.cluster().groupCount(); i++) {
            GroupHealth g = groupHealth(config.cluster().groupId(i));
            ok &= g.hasLeader();
            groups.add("{\"group\":" + i + "," + g.fields() + "}");
        }
        List<String> hosted = new ArrayList<>();
        for (io.ramify.raft.host.HostedGroup h : config.hostedGroups()) {
            GroupHealth g = groupHealth(h.group().getGroupId());
            ok &= g.hasLeader();
            hosted.add("{\"name\":\"" + h.name() + "\"," + g.fields() + "}");
        }
        return new OpsHttpServer.Health(
                ok,
                "{\"node\":\"" + config.nodeId() + "\",\"healthy\":" + ok + ",\"groups\":[" + String.join(",", groups)
                        + "],\"hosted\":[" + String.join(",", hosted) + "]}");
    }

    /** One group's /health fields (after its number or name), and whether it knows a leader. */
    private record GroupHealth(boolean hasLeader, String fields) {}

    private GroupHealth groupHealth(RaftGroupId gid) {
        try {
            RaftServer.Division d = server.getDivision(gid);
            var info = d.getInfo();
            String leader =
                    info.getLeaderId() == null ? null : info.getLeaderId().toString();
            long commit = d.getRaftLog().getLastCommittedIndex();
            long applied = info.getLastAppliedIndex();
            StringBuilder followers = new StringBuilder();
            if (info.isLeader()) {
                for (long m : info.getFollowerMatchIndices()) {
                    followers.append(followers.isEmpty() ? "" : ",").append(commit - m);
                }
            }
            return new GroupHealth(
                    leader != null && info.isAlive(),
                    String.format(
                            "\"id\":\"%s\",\"state\":\"%s\","
                                    + "\"role\":\"%s\",\"leader\":%s,"
                                    + "\"term\":%d,\"commitIndex\":%d,\"appliedIndex\":%d,\"applyLag\":%d,\"followerLag\":[%s]",
                            gid.getUuid(),
                            info.getLifeCycleState(),
                            info.getCurrentRole(),
                            leader == null ? "null" : "\"" + leader + "\"",
                            info.getCurrentTerm(),
                            commit,
                            applied,
                            commit - applied,
                            followers));
        } catch (IOException e) {
            return new GroupHealth(
                    false,
                    String.format(
                            "\"id\":\"%s\",\"error\":\"%s\"",
                            gid.getUuid(), String.valueOf(e.getMessage()).replace('"', '\'')));
        }
    }

    public int metricsPort() {
        return http == null ? -1 : http.port();
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    public RaftServer raftServer() {
        return server;
    }

    public String nodeId() {
        return config.nodeId();
    }

    @Override
    public void close() throws IOException {
        if (http != null) {
            http.close();
        }
        server.close();
    }
}
