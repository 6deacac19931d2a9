package io.ramify.adapter.compute;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.ramify.adapter.backend.ClusterBackend;
import io.ramify.adapter.fs.DataDir;
import io.ramify.adapter.fs.Mount;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.pagestore.client.Views;
import io.ramify.pagestore.proto.ViewLevel;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.proto.Rejection;
import io.ramify.wal.proto.TimelineStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compute: a stock Postgres on a FUSE mount of one timeline's view. Start takes a generation
 * and claims the timeline (fencing older computes, learning the durable ends), mounts the view,
 * runs {@code initdb -k} on a new root timeline, drops the replication slots a branch inherited at
 * its first start ({@link InheritedSlots}), and starts Postgres; a supervisor restarts Postgres
 * after a crash and stops the compute when it was fenced; stop shuts Postgres down cleanly, makes
 * every op durable and unmounts. Generations come from {@link Generations}: the catalog's leases
 * when it runs the compute.
 */
public final class Compute implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Compute.class);
    /** Adapter block cache. */
    static final long CACHE_BYTES_DEFAULT = 256L << 20;
    /** Ancestors followed when building a view (a deeper tree is a bug upstream). */
    static final int ANCESTRY_MAX = 256;

    /**
     * Where generations come from: the catalog's compute leases (issue 5), or, standalone, the
     * log's current generation plus one. {@code inLog} is the highest the log has accepted.
     */
    public interface Generations {
        Generation next(TimelineId timeline, Generation inLog) throws IOException;

        Generations FROM_LOG = (tl, inLog) -> Generation.of(inLog.value() + 1);
    }

    public record Config(
            WalCluster wal,
            List<String> pageStores,
            TimelineId timeline,
            Path mountPoint,
            Path workDir,
            int port,
            String osUser,
            int uid,
            int gid,
            String listenAddress) {
        /** A compute that listens on loopback only. */
        public Config(
                WalCluster wal,
                List<String> pageStores,
                TimelineId timeline,
                Path mountPoint,
                Path workDir,
                int port,
                String osUser,
                int uid,
                int gid) {
            this(wal, pageStores, timeline, mountPoint, workDir, port, osUser, uid, gid, "127.0.0.1");
        }
    }

    private final Config config;
    private final MetricRegistry metrics = new MetricRegistry();
    private WalClient walClient;
    private PageStoreClient pages;
    private TimelineWriter writer;
    private DataDir dataDir;
    private Mount mount;
    private PostgresProcess postgres;
    private volatile Generation generation;
    private volatile State state = State.STOPPED;
    private volatile boolean stopping;
    private volatile String endMessage = "";
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Counter restarts;
    private final Timer startTimes;
    private Thread supervisor;
    private Generations generations = Generations.FROM_LOG;

    public Compute(Config config) {
        this.config = config;
        this.restarts = metrics.counter("compute_restarts");
        this.startTimes = metrics.timer("compute_start");
        metrics.gauge("compute_state", () -> () -> state.ordinal());
    }

    /** What a compute is doing; {@link #awaitEnd} returns one of the final three. */
    public enum State {
        STARTING,
        RUNNING,
        RESTARTING,
        STOPPED,
        FENCED,
        FAILED
    }

    /** Restarts allowed within {@link #RESTART_WINDOW} before the compute gives up (a crash loop). */
    static final int RESTARTS_MAX = 5;

    static final Duration RESTART_WINDOW = Duration.ofMinutes(10);
    /** Pause before a full restart, so a cluster that is electing a leader can answer. */
    static final Duration FULL_RESTART_PAUSE = Duration.ofSeconds(2);

    /** Takes generations from {@code source} (before {@link #start}); the default is the log's plus one. */
    public Compute withGenerations(Generations source) {
        this.generations = source;
        return this;
    }

    public Config config() {
        return config;
    }

    /** Starts everything; on failure undoes what was started and rethrows. */
    public Compute start() throws IOException {
        state = State.STARTING;
        try {
            startSteps();
        } catch (IOException | RuntimeException e) {
            try {
                release();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            state = State.FAILED;
            throw e;
        }
        state = State.RUNNING;
        supervisor = Thread.ofPlatform().name("compute-supervisor").daemon().start(this::supervise);
        return this;
    }

    private void startSteps() throws IOException {
        long t0 = System.nanoTime();
        PostgresProcess.checkSocketPath(config.workDir(), config.port());
        checkTraversable(config.mountPoint().toAbsolutePath().getParent());
        walClient = WalClient.connect(config.wal(), WalClientConfig.DEFAULT);
        pages = new PageStoreClient(config.pageStores(), PageStoreClientConfig.DEFAULT);
        TimelineStatus before = WalClient.await(walClient.status(config.timeline()));
        generation = generations.next(config.timeline(), Generation.of(before.getGeneration()));
        if (generation.value() <= before.getGeneration()) {
            throw new IOException("generation " + generation + " for timeline "
                    + config.timeline().shortForm() + " is not above the log's " + before.getGeneration()
                    + ": it would be refused");
        }
        TimelineStatus claimed = WalClient.await(walClient.claim(config.timeline(), generation));
        writer = walClient.writer(config.timeline(), generation, claimed);
        List<ViewLevel> ancestry = ancestry(claimed);
        dataDir = new DataDir(
                new ClusterBackend(walClient, pages, config.timeline(), claimed, writer, ancestry),
                CACHE_BYTES_DEFAULT);
        InheritedSlots.removeAtFirstStart(dataDir, config.timeline(), claimed);
        mount = Mount.mount(config.mountPoint(), dataDir, config.uid(), config.gid(), metrics);
        long mounted = System.nanoTime();
        postgres = new PostgresProcess(
                mount.dataDir(), config.workDir(), config.port(), config.osUser(), config.listenAddress());
        if (!Files.exists(mount.dataDir().resolve("PG_VERSION"))) {
            LOG.info("timeline {} is new: running initdb -k", config.timeline().shortForm());
            postgres.initdb();
            syncAll();
        }
        postgres.start();
        startTimes.update(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        LOG.info(
                "compute on timeline {} (generation {}) ready on port {}: mount {} ms, start {} ms",
                config.timeline().shortForm(),
                generation,
                config.port(),
                (mounted - t0) / 1_000_000,
                (System.nanoTime() - mounted) / 1_000_000);
    }

    /**
     * Watches Postgres. When it exits without being asked to: a fenced compute stops for good (a
     * newer compute owns the timeline); otherwise Postgres is restarted and runs its own crash
     * recovery, in place when the log still takes this compute's ops, else by a full restart (new
     * generation, new mount). More than {@link #RESTARTS_MAX} restarts in {@link #RESTART_WINDOW}
     * is a crash loop: the compute stops as FAILED.
     */
    private void supervise() {
        Deque<Long> recent = new ArrayDeque<>();
        while (true) {
            PostgresProcess pg = postgres;
            int code = pg.waitForExit();
            if (stopping) {
                return;
            }
            LOG.error(
                    "postgres on timeline {} exited unexpectedly ({}); its log ends:\n{}",
                    config.timeline().shortForm(),
                    code,
                    pg.logTail());
            if (fenced()) {
                end(
                        State.FENCED,
                        "compute on timeline " + config.timeline().shortForm() + " (generation " + generation
                                + ") was fenced by a newer compute; it stops and leaves the timeline to it");
                return;
            }
            long now = System.nanoTime();
            recent.addLast(now);
            while (now - recent.peekFirst() > RESTART_WINDOW.toNanos()) {
                recent.removeFirst();
            }
            if (recent.size() > RESTARTS_MAX) {
                end(
                        State.FAILED,
                        "postgres on timeline " + config.timeline().shortForm() + " crashed " + recent.size()
                                + " times within " + RESTART_WINDOW + "; giving up (see " + pg.logFile() + ")");
                return;
            }
            state = State.RESTARTING;
            restarts.inc();
            if (!restartInPlace() && !restartFully()) {
                if (fenced()) {
                    end(
                            State.FENCED,
                            "compute on timeline " + config.timeline().shortForm() + " was fenced while restarting");
                } else {
                    end(
                            State.FAILED,
                            "compute on timeline " + config.timeline().shortForm() + " could not restart; see log");
                }
                return;
            }
            state = State.RUNNING;
        }
    }

    /** Same mount and generation: make what Postgres wrote durable, start it again (crash recovery). */
    private boolean restartInPlace() {
        if (writer.failure().isPresent()) {
            LOG.warn(
                    "the op log refused this compute's writes ({}); restarting fully",
                    writer.failure().get().getMessage());
            return false;
        }
        try {
            syncAll();
            postgres.start();
            LOG.info(
                    "postgres on timeline {} restarted in place (generation {})",
                    config.timeline().shortForm(),
                    generation);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("restarting postgres in place failed: {}; restarting fully", e.getMessage());
            return false;
        }
    }

    /** Everything again: unmount, a new generation and claim, a new mount, Postgres's crash recovery. */
    private boolean restartFully() {
        try {
            release();
        } catch (IOException | RuntimeException e) {
            LOG.warn("releasing the failed compute: {}", e.getMessage());
        }
        if (stopping) {
            return false;
        }
        sleep(FULL_RESTART_PAUSE.toMillis());
        try {
            startSteps();
            LOG.info(
                    "compute on timeline {} restarted fully (generation {})",
                    config.timeline().shortForm(),
                    generation);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.error(
                    "full restart of the compute on timeline {} failed: {}",
                    config.timeline().shortForm(),
                    e.getMessage(),
                    e);
            return false;
        }
    }

    /** Fenced: the log refused our generation, or it has seen a newer one. */
    private boolean fenced() {
        if (writer != null
                && writer.failure().orElse(null) instanceof WalRejectedException r
                && r.code() == Rejection.Code.STALE_GENERATION) {
            return true;
        }
        try (WalClient c = WalClient.connect(config.wal(), WalClientConfig.DEFAULT)) {
            return WalClient.await(c.status(config.timeline())).getGeneration() > generation.value();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot ask the log whether this compute was fenced: {}", e.getMessage());
            return false;
        }
    }

    private void end(State finalState, String why) {
        LOG.error(why);
        endMessage = why;
        try {
            release();
        } catch (IOException | RuntimeException e) {
            LOG.warn("releasing the compute: {}", e.getMessage());
        }
        state = finalState;
        ended.countDown();
    }

    public State state() {
        return state;
    }

    /** Why the compute ended, when it ended by itself (fenced or failed). */
    public String endMessage() {
        return endMessage;
    }

    /** Waits until the compute has ended (stopped, fenced or failed); returns the final state. */
    public State awaitEnd() throws InterruptedException {
        ended.await();
        return state;
    }

    public boolean awaitEnd(Duration max) throws InterruptedException {
        return ended.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Postgres, running as its own OS user, must be able to walk down to the mount. */
    private void checkTraversable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)
                    && !Files.getPosixFilePermissions(p)
                            .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)
                    && !Files.getOwner(p).getName().equals(config.osUser())) {
                throw new IOException(
                        "the OS user " + config.osUser() + " cannot traverse " + p + " to reach the mount "
                                + config.mountPoint() + "; allow it (chmod o+x " + p + ") or mount elsewhere");
            }
        }
    }

    /** The parent levels of this timeline's view: each ancestor at its child's fork cut. */
    private List<ViewLevel> ancestry(TimelineStatus s) {
        List<ViewLevel> out = new ArrayList<>();
        TimelineStatus cur = s;
        while (!cur.getParent().isEmpty()) {
            if (out.size() >= ANCESTRY_MAX) {
                throw new IllegalStateException("ancestry of " + config.timeline() + " deeper than " + ANCESTRY_MAX);
            }
            TimelineId parent = TimelineId.fromBytes(cur.getParent().toByteArray());
            out.add(Views.level(parent, cur.getForkCut()));
            cur = WalClient.await(walClient.status(parent));
        }
        return out;
    }

    private void syncAll() throws IOException {
        try {
            dataDir.sync();
        } catch (io.ramify.adapter.fs.FsError e) {
            throw new IOException(
                    "timeline " + config.timeline().shortForm() + " did not become durable: " + e.getMessage(), e);
        }
    }

    public PostgresProcess postgres() {
        return postgres;
    }

    /**
     * Settings the adapter enforces on the command line that the branch's configuration files set
     * otherwise, one line each ({@link EnforcedSettings#overridden}); empty when none or not running.
     */
    public List<String> overriddenSettings() {
        PostgresProcess pg = postgres;
        return pg == null ? List.of() : pg.overriddenSettings();
    }

    public Generation generation() {
        return generation;
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    /** Clean stop: fast shutdown (a shutdown checkpoint), every op durable, unmount. */
    @Override
    public void close() throws IOException {
        stopping = true;
        if (state == State.FENCED || state == State.FAILED) {
            return;
        }
        try {
            release();
        } finally {
            state = State.STOPPED;
            ended.countDown();
            if (supervisor != null && supervisor != Thread.currentThread()) {
                try {
                    supervisor.join(PostgresProcess.STOP_WAIT_MAX.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Stops Postgres (fast shutdown), makes every op durable, unmounts and closes the clients. */
    private synchronized void release() throws IOException {
        try {
            if (postgres != null) {
                postgres.stop();
            }
            if (dataDir != null && writer != null && writer.failure().isEmpty()) {
                syncAll();
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("stopping compute on " + config.timeline() + ": " + e.getMessage(), e);
        } finally {
            if (mount != null) {
                mount.close();
                mount = null;
            }
            if (pages != null) {
                pages.close();
                pages = null;
            }
            if (walClient != null) {
                walClient.close();
                walClient = null;
            }
        }
    }
}
