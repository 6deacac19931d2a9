package io.ramify.control;

import static io.ramify.control.PartErrors.call;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.catalog.proto.EndpointState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the control plane does on its own, on ControlServer's timers rather than on a request:
 * deleting expired branches, suspending idle computes, and marking the computes a previous
 * control plane ran as suspended after a restart.
 */
public final class BackgroundJobs {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundJobs.class);

    private final ControlConfig config;
    private final CatalogClient catalog;
    private final ComputeManager computes;

    BackgroundJobs(ControlConfig config, CatalogClient catalog, ComputeManager computes) {
        this.config = config;
        this.catalog = catalog;
        this.computes = computes;
    }

    /** Deletes expired branches (by the catalog's clock) and stops their computes; returns their names. */
    public List<String> expireBranches() {
        return call(() -> {
            List<String> out = new ArrayList<>();
            CatalogModel.Expired e = catalog.expireBranches();
            for (CatalogModel.Branch b : e.deleted()) {
                computes.stop(null, null, b.timeline().id(), EndpointState.STOPPED, "expired");
                out.add(b.project() + "/" + b.name());
            }
            e.skipped().forEach(s -> LOG.info("expired branch {}/{} kept: {}", s.project(), s.branch(), s.reason()));
            if (!out.isEmpty()) {
                LOG.info("expired branches deleted: {}", out);
            }
            return out;
        });
    }

    /**
     * Suspends computes idle for longer than their branch's idle timeout (0 = never): no connection
     * through the proxy ({@code proxyConnections}) and no client backend in {@code pg_stat_activity}
     * (which also sees direct connections). A suspended compute is stopped cleanly and woken by the
     * next connection.
     */
    public List<String> suspendIdle(java.util.function.ToIntBiFunction<String, String> proxyConnections) {
        List<String> out = new ArrayList<>();
        for (ComputeManager.Running r : computes.all()) {
            try {
                CatalogModel.Branch b = catalog.getBranch(r.project(), r.branch());
                long timeout = b.idleTimeout().toNanos();
                long now = System.nanoTime();
                if (proxyConnections.applyAsInt(r.project(), r.branch()) > 0 || timeout == 0) {
                    r.busyAtNanos().set(now);
                    continue;
                }
                if (now - r.busyAtNanos().get() < timeout) {
                    continue;
                }
                String clients = Psql.run(
                                r.compute().postgres().socketDir(),
                                r.port(),
                                config.osUser(),
                                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
                                Duration.ofSeconds(30))
                        .trim();
                if (!clients.equals("0")) {
                    r.busyAtNanos().set(now);
                    continue;
                }
                LOG.info(
                        "compute of {}/{} idle for {} s: suspending it",
                        r.project(),
                        r.branch(),
                        b.idleTimeout().toSeconds());
                computes.stop(
                        r.project(),
                        r.branch(),
                        r.timeline(),
                        EndpointState.SUSPENDED,
                        "idle for " + b.idleTimeout().toSeconds() + " s; the next connection wakes it");
                out.add(r.project() + "/" + r.branch());
            } catch (RuntimeException e) {
                LOG.warn("idle check of {}/{}: {}", r.project(), r.branch(), e.getMessage());
            }
        }
        return out;
    }

    /** Marks computes the catalog thinks are running but that no control plane runs any more. */
    public void markOrphanedComputes() {
        call(() -> {
            for (CatalogModel.Project p : catalog.listProjects()) {
                for (CatalogModel.Branch b : catalog.listBranches(p.name())) {
                    EndpointState st = b.endpoint().state();
                    if ((st == EndpointState.RUNNING || st == EndpointState.STARTING)
                            && computes.running(b.timeline().id()).isEmpty()) {
                        catalog.setEndpoint(
                                p.name(),
                                b.name(),
                                config.computeHost(),
                                0,
                                EndpointState.SUSPENDED,
                                "the control plane restarted; the next start resumes it");
                    }
                }
            }
            return null;
        });
    }
}
