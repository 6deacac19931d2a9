package io.ramify.control;

import io.ramify.adapter.compute.Compute;
import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogModel.Branch;
import io.ramify.catalog.client.CatalogModel.Lease;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The computes this control plane runs, one per timeline, in this JVM (each a FUSE mount and a
 * Postgres child process). Starting takes a lease (a generation) from the catalog, records the
 * endpoint as STARTING then RUNNING, and renews the lease while the compute runs; concurrent starts
 * of one branch share one start. A compute that ends by itself (fenced, crash loop) is recorded as
 * FAILED with the reason.
 */
final class ComputeManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ComputeManager.class);
    /** Catalog generations tried to get above the log's own before giving up. */
    static final int LEASE_ATTEMPTS_MAX = 64;
    /** Room for ignored settings in an endpoint message (the catalog takes 1,000 characters). */
    static final int OVERRIDDEN_CHARS_MAX = 600;

    /** A compute this manager started, with its lease. */
    record Running(
            String project,
            String branch,
            TimelineId timeline,
            Compute compute,
            int port,
            Generation generation,
            java.util.concurrent.atomic.AtomicLong busyAtNanos) {}

    private final ControlConfig config;
    private final CatalogClient catalog;
    private final String holder;
    private final Map<TimelineId, CompletableFuture<Running>> computes = new ConcurrentHashMap<>();
    private final Set<Integer> portsInUse = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-renewals");
        t.setDaemon(true);
        return t;
    });

    ComputeManager(ControlConfig config, CatalogClient catalog) {
        this.config = config;
        this.catalog = catalog;
        this.holder = hostName() + ":" + ProcessHandle.current().pid();
        long every = ControlConfig.LEASE_TTL.toMillis() / 3;
        renewals.scheduleWithFixedDelay(this::renewAll, every, every, TimeUnit.MILLISECONDS);
    }

    /** Starts the branch's compute, or returns the one running or starting on its timeline. */
    Running start(Branch b) {
        TimelineId tl = b.timeline().id();
        CompletableFuture<Running> mine = new CompletableFuture<>();
        CompletableFuture<Running> existing = computes.putIfAbsent(tl, mine);
        if (existing != null) {
            return await(existing, b);
        }
        try {
            mine.complete(doStart(b));
        } catch (RuntimeException e) {
            computes.remove(tl, mine);
            mine.completeExceptionally(e);
        }
        return await(mine, b);
    }

    /**
     * Enforced settings the branch's configuration files set otherwise (they have no effect), for
     * the endpoint's message, which {@code ramify branch get} shows.
     */
    private static String overridden(Compute c) {
        String s = c.overriddenSettings().isEmpty() ? "" : "; ignored: " + String.join("; ", c.overriddenSettings());
        return s.length() <= OVERRIDDEN_CHARS_MAX ? s : s.substring(0, OVERRIDDEN_CHARS_MAX) + "...";
    }

    private static Running await(CompletableFuture<Running> f, Branch b) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ControlError.unavailable("interrupted while starting the compute of " + b.name(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private Running doStart(Branch b) {
        TimelineId tl = b.timeline().id();
        int port = freePort();
        catalog.setEndpoint(b.project(), b.name(), config.computeHost(), port, EndpointState.STARTING, "starting");
        Path base = config.computeDir().resolve(tl.hex());
        Generation[] taken = new Generation[1];
        try {
            Files.createDirectories(base);
            Compute c = new Compute(new Compute.Config(
                            config.wal(),
                            config.pageStores(),
                            tl,
                            base.resolve("mnt"),
                            base.resolve("work"),
                            port,
                            config.osUser(),
                            config.uid(),
                            config.gid(),
                            config.computeHost()))
                    .withGenerations((timeline, inLog) -> taken[0] = lease(timeline, inLog));
            long t0 = System.nanoTime();
            c.start();
            Running r = new Running(
                    b.project(),
                    b.name(),
                    tl,
                    c,
                    port,
                    c.generation(),
                    new java.util.concurrent.atomic.AtomicLong(System.nanoTime()));
            catalog.setEndpoint(
                    b.project(),
                    b.name(),
                    config.computeHost(),
                    port,
                    EndpointState.RUNNING,
                    "ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms, generation " + c.generation()
                            + overridden(c));
            Thread.ofPlatform().name("watch-" + tl.shortForm()).daemon().start(() -> watch(r));
            LOG.info(
                    "compute of {}/{} (timeline {}) ready on {}:{}",
                    b.project(),
                    b.name(),
                    tl.shortForm(),
                    config.computeHost(),
                    port);
            return r;
        } catch (IOException | RuntimeException e) {
            portsInUse.remove(port);
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.error("compute of {}/{} did not start: {}", b.project(), b.name(), why, e);
            try {
                catalog.setEndpoint(b.project(), b.name(), config.computeHost(), port, EndpointState.FAILED, trim(why));
                if (taken[0] != null) {
                    catalog.releaseLease(tl, taken[0]);
                }
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof ControlError ce) {
                throw ce;
            }
            throw new ControlError.Failed(
                    "COMPUTE_START_FAILED", "the compute of branch " + b.name() + " did not start: " + why, e);
        }
    }

    /** A catalog lease whose generation is above what the log has accepted (so the claim works). */
    private Generation lease(TimelineId tl, Generation inLog) {
        for (int i = 0; i < LEASE_ATTEMPTS_MAX; i++) {
            Lease l = catalog.acquireLease(tl, holder, ControlConfig.LEASE_TTL);
            if (l.generation().value() > inLog.value()) {
                return l.generation();
            }
        }
        throw new IllegalStateException("the catalog's generations for timeline " + tl.shortForm()
                + " stay below the log's " + inLog + " after " + LEASE_ATTEMPTS_MAX + " leases");
    }

    /** Records a compute that ended by itself, and forgets it. */
    private void watch(Running r) {
        try {
            Compute.State end = r.compute().awaitEnd();
            if (end == Compute.State.STOPPED) {
                return;
            }
            computes.remove(r.timeline());
            portsInUse.remove(r.port());
            catalog.setEndpoint(
                    r.project(),
                    r.branch(),
                    config.computeHost(),
                    r.port(),
                    EndpointState.FAILED,
                    trim(end + ": " + r.compute().endMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("recording the end of the compute on {}: {}", r.timeline().shortForm(), e.getMessage());
        }
    }

    /** Stops the compute of a timeline cleanly, if one runs; records {@code state}. */
    boolean stop(String project, String branch, TimelineId tl, EndpointState state, String message) {
        CompletableFuture<Running> f = computes.remove(tl);
        if (f == null) {
            return false;
        }
        Running r;
        try {
            r = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
        try {
            r.compute().close();
        } catch (IOException e) {
            LOG.warn("stopping the compute on {}: {}", tl.shortForm(), e.getMessage());
        } finally {
            portsInUse.remove(r.port());
        }
        try {
            catalog.releaseLease(tl, r.generation());
        } catch (CatalogException e) {
            LOG.info("lease on {} was not ours any more: {}", tl.shortForm(), e.getMessage());
        }
        if (project != null) {
            catalog.setEndpoint(project, branch, config.computeHost(), 0, state, message);
        }
        return true;
    }

    java.util.Optional<Running> running(TimelineId tl) {
        CompletableFuture<Running> f = computes.get(tl);
        return f == null || !f.isDone() || f.isCompletedExceptionally()
                ? java.util.Optional.empty()
                : java.util.Optional.of(f.join());
    }

    /** The computes running now. */
    java.util.List<Running> all() {
        return computes.values().stream()
                .filter(f -> f.isDone() && !f.isCompletedExceptionally())
                .map(CompletableFuture::join)
                .toList();
    }

    private void renewAll() {
        for (CompletableFuture<Running> f : computes.values()) {
            if (!f.isDone() || f.isCompletedExceptionally()) {
                continue;
            }
            Running r = f.join();
            try {
                catalog.renewLease(r.timeline(), r.generation(), ControlConfig.LEASE_TTL);
            } catch (CatalogException e) {
                LOG.error(
                        "lease of the compute on {} was taken over ({}); stopping it",
                        r.timeline().shortForm(),
                        e.getMessage());
                stop(r.project(), r.branch(), r.timeline(), EndpointState.FAILED, "lease lost: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn(
                        "renewing the lease of the compute on {}: {}",
                        r.timeline().shortForm(),
                        e.getMessage());
            }
        }
    }

    private int freePort() {
        for (int p = config.computePortBase(); p < config.computePortBase() + ControlConfig.COMPUTE_PORTS_MAX; p++) {
            if (portsInUse.contains(p)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getByName(config.computeHost()))) {
                s.setReuseAddress(true);
                if (portsInUse.add(p)) {
                    return p;
                }
            } catch (IOException e) {
                // taken: try the next
            }
        }
        throw new ControlError.Unavailable(
                "NO_PORT",
                "no free port in " + config.computePortBase() + ".."
                        + (config.computePortBase() + ControlConfig.COMPUTE_PORTS_MAX)
                        + " for a compute; stop some computes",
                null);
    }

    private static String trim(String s) {
        return s.length() > 500 ? s.substring(0, 500) + "…" : s;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Stops every compute cleanly and records it as SUSPENDED (the next start wakes it). */
    @Override
    public void close() {
        renewals.shutdownNow();
        Set<TimelineId> all = new HashSet<>(computes.keySet());
        for (TimelineId tl : all) {
            CompletableFuture<Running> f = computes.get(tl);
            Running r = f == null || !f.isDone() || f.isCompletedExceptionally() ? null : f.join();
            stop(
                    r == null ? null : r.project(),
                    r == null ? null : r.branch(),
                    tl,
                    EndpointState.SUSPENDED,
                    "the control plane stopped");
        }
    }
}
