package io.ramify.pagestore.server;

import com.codahale.metrics.MetricRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.ramify.common.TimelineId;
import io.ramify.common.ops.OpsHttpServer;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One page-store shard: its RocksDB, the ingestor that pulls its ops from ratis-wal, the gRPC
 * service that answers reads for any view, and the operators' HTTP endpoint (/metrics, /health).
 */
public final class PageStoreServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PageStoreServer.class);
    /** A listing older than this makes /health unhealthy: the ingestor is stuck or cut off. */
    static final long LISTING_STALE_MILLIS = 30_000;
    /** How long close waits for running calls before cancelling them. */
    static final long SHUTDOWN_GRACE_MILLIS = 5_000;

    private final PageStoreConfig config;
    private final ShardDb db;
    private final WalClient wal;
    private final IngestProgress progress;
    private final Ingestor ingestor;
    private final Collector collector;
    private final MetricRegistry metrics;
    private final ExecutorService rpcThreads;
    private final Server grpc;
    private final OpsHttpServer http;

    private PageStoreServer(
            PageStoreConfig config,
            ShardDb db,
            WalClient wal,
            IngestProgress progress,
            Ingestor ingestor,
            Collector collector,
            MetricRegistry metrics,
            ExecutorService rpcThreads,
            Server grpc,
            OpsHttpServer http) {
        this.config = config;
        this.db = db;
        this.wal = wal;
        this.progress = progress;
        this.ingestor = ingestor;
        this.collector = collector;
        this.metrics = metrics;
        this.rpcThreads = rpcThreads;
        this.grpc = grpc;
        this.http = http;
    }

    public static PageStoreServer start(PageStoreConfig config) throws IOException {
        return start(config, WalClientConfig.DEFAULT);
    }

    public static PageStoreServer start(PageStoreConfig config, WalClientConfig walConfig) throws IOException {
        MetricRegistry metrics = new MetricRegistry();
        ShardDb db = ShardDb.open(config.dataDir());
        WalClient wal = WalClient.connect(config.wal(), walConfig);
        IngestProgress progress = new IngestProgress();
        Ingestor ingestor = new Ingestor(config, wal, db, progress, metrics);
        Collector collector = new Collector(wal, db, metrics, config.historyWindow(), config.gcInterval());
        AtomicInteger n = new AtomicInteger();
        ExecutorService rpc = Executors.newFixedThreadPool(PageStoreConfig.Defaults.RPC_THREADS, r -> {
            Thread t = new Thread(r, "page-store-rpc-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Server grpc = null;
        OpsHttpServer http = null;
        try {
            grpc = NettyServerBuilder.forAddress(
                            new InetSocketAddress(config.host(), config.port()), InsecureServerCredentials.create())
                    .addService(new PageStoreService(config, db, progress, metrics))
                    .executor(rpc)
                    .maxInboundMessageSize(PageStoreConfig.Defaults.REQUEST_BYTES_MAX)
                    .build()
                    .start();
            metrics.gauge("pagestore.db_bytes", () -> db::sizeBytes);
            metrics.gauge("pagestore.timelines", () -> () -> progress.all().size());
            metrics.gauge(
                    "pagestore.ingest.lag_ops_max",
                    () -> () -> progress.all().values().stream()
                            .mapToLong(e -> Math.max(0, e.lastSeq() - e.ingested()))
                            .max()
                            .orElse(0));
            PageStoreServer[] self = new PageStoreServer[1];
            http = config.metricsPort() < 0
                    ? null
                    : OpsHttpServer.start(config.host(), config.metricsPort(), metrics, () -> self[0].health());
            self[0] = new PageStoreServer(config, db, wal, progress, ingestor, collector, metrics, rpc, grpc, http);
            ingestor.start();
            collector.start();
            LOG.info(
                    "page-store shard {} of {} serving on {}:{} (data {}, metrics {})",
                    config.shard(),
                    config.shardCount(),
                    config.host(),
                    grpc.getPort(),
                    config.dataDir(),
                    http == null ? "off" : http.port());
            return self[0];
        } catch (IOException | RuntimeException e) {
            if (http != null) {
                http.close();
            }
            if (grpc != null) {
                grpc.shutdownNow();
            }
            rpc.shutdownNow();
            wal.close();
            db.close();
            throw e;
        }
    }

    /** Shard, ingest progress and lag per timeline, as JSON; unhealthy when ingestion is stuck or broken. */
    OpsHttpServer.Health health() {
        long ago = progress.lastListingMillis() == 0 ? -1 : System.currentTimeMillis() - progress.lastListingMillis();
        boolean ok = ago >= 0
                && ago < LISTING_STALE_MILLIS
                && ingestor.consecutiveFailures() < PageStoreConfig.Defaults.WAL_FAILURES_UNHEALTHY;
        List<String> tls = new ArrayList<>();
        for (Map.Entry<TimelineId, IngestProgress.Entry> e : progress.all().entrySet()) {
            IngestProgress.Entry v = e.getValue();
            ok &= v.broken() == null;
            tls.add(String.format(
                    "{\"timeline\":\"%s\",\"ingested\":%d,\"lastSeq\":%d,\"lag\":%d%s}",
                    e.getKey(),
                    v.ingested(),
                    v.lastSeq(),
                    Math.max(0, v.lastSeq() - v.ingested()),
                    v.broken() == null ? "" : ",\"broken\":\"" + json(v.broken()) + "\""));
        }
        String err = ingestor.lastError();
        return new OpsHttpServer.Health(
                ok,
                String.format(
                        "{\"shard\":%d,\"of\":%d,\"healthy\":%b,\"lastListingAgoMs\":%d,"
                                + "\"walFailuresInARow\":%d,\"lastError\":%s,\"dbBytes\":%d,\"timelines\":[%s]}",
                        config.shard(),
                        config.shardCount(),
                        ok,
                        ago,
                        ingestor.consecutiveFailures(),
                        err == null ? "null" : "\"" + json(err) + "\"",
                        db.sizeBytes(),
                        String.join(",", tls)));
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    }

    /** The bound gRPC port (useful when the config asked for 0). */
    public int port() {
        return grpc.getPort();
    }

    public int metricsPort() {
        return http == null ? -1 : http.port();
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    /** How far this shard has made {@code tl} durable; 0 when it has not seen it. */
    public long ingested(TimelineId tl) {
        IngestProgress.Entry e = progress.get(tl);
        return e == null ? 0 : e.ingested();
    }

    /** Runs one garbage-collection pass now (tests, operators); returns the versions deleted. */
    public long collectGarbage() {
        return collector.runOnce();
    }

    public String healthJson() {
        return health().json();
    }

    public boolean healthy() {
        return health().ok();
    }

    @Override
    public void close() throws IOException {
        // Stop taking calls, stop ingesting (the ingestor finishes its current batch), then close the
        // database nobody uses any more.
        grpc.shutdown();
        if (http != null) {
            http.close();
        }
        try {
            if (!grpc.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                grpc.shutdownNow();
                grpc.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            grpc.shutdownNow();
            Thread.currentThread().interrupt();
        }
        rpcThreads.shutdownNow();
        collector.close();
        ingestor.close();
        wal.close();
        db.close();
        LOG.info("page-store shard {} stopped", config.shard());
    }
}
