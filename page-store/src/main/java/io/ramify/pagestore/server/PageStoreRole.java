package io.ramify.pagestore.server;

import io.ramify.common.server.RunningServer;
import io.ramify.common.server.ServerOptions;
import io.ramify.common.server.ServerRole;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** A page-store shard from the options of {@code ramify page-store}. */
public final class PageStoreRole implements ServerRole {
    public static final String NAME = "page-store";
    static final Set<String> OPTIONS = Set.of(
            "shard",
            "of",
            "wal-nodes",
            "wal-cluster-name",
            "wal-groups",
            "data-dir",
            "host",
            "port",
            "metrics-port",
            "ops-per-pull",
            "read-wait-ms",
            "history-window-minutes",
            "gc-interval-seconds");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningServer start(ServerOptions o) throws IOException {
        PageStoreConfig cfg = config(o);
        PageStoreServer server = PageStoreServer.start(cfg);
        String describe = "page-store shard " + cfg.shard() + " of " + cfg.shardCount() + ": grpc " + cfg.host() + ":"
                + server.port() + ", metrics "
                + (server.metricsPort() < 0 ? "off" : "http://" + cfg.host() + ":" + server.metricsPort());
        return RunningServer.of(describe, server);
    }

    /** The shard's configuration; an option out of range is an {@link IllegalArgumentException} naming it. */
    public static PageStoreConfig config(ServerOptions o) {
        o.onlyOf(OPTIONS);
        List<WalCluster.Node> ns = WalCluster.parseNodes(o.string("wal-nodes"));
        WalCluster wal = new WalCluster(o.string("wal-cluster-name", "ramify"), ns, o.integer("wal-groups", ns.size()));
        return new PageStoreConfig(
                o.integer("shard"),
                o.integer("of"),
                wal,
                o.path("data-dir"),
                o.string("host", "0.0.0.0"),
                o.integer("port"),
                o.integer("metrics-port", 0),
                o.integer("ops-per-pull", PageStoreConfig.Defaults.OPS_PER_PULL_MAX),
                PageStoreConfig.Defaults.BYTES_PER_PULL_MAX,
                PageStoreConfig.Defaults.POLL_MIN,
                PageStoreConfig.Defaults.POLL_MAX,
                PageStoreConfig.Defaults.WAL_BACKOFF_MAX,
                o.millis("read-wait-ms", PageStoreConfig.Defaults.DEFAULT_WAIT),
                Duration.ofMinutes(
                        o.number("history-window-minutes", PageStoreConfig.Defaults.HISTORY_WINDOW.toMinutes())),
                Duration.ofSeconds(o.number("gc-interval-seconds", PageStoreConfig.Defaults.GC_INTERVAL.toSeconds())));
    }
}
