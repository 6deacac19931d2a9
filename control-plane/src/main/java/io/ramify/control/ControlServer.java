package io.ramify.control;

import com.codahale.metrics.MetricRegistry;
import io.ramify.control.http.HttpApi;
import io.ramify.proxy.ProxyConfig;
import io.ramify.proxy.ProxyServer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane as a server: the REST API on one port, the computes it runs, and a periodic
 * job that deletes expired branches. On start it marks computes that an earlier control plane left
 * as RUNNING as SUSPENDED (they died with it); on close it stops its computes cleanly.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    /** How often expired branches are looked for. */
    static final Duration EXPIRY_INTERVAL = Duration.ofSeconds(60);
    /** How long start waits for the catalog to answer (a cluster that is still electing leaders). */
    static final Duration CATALOG_WAIT_MAX = Duration.ofMinutes(2);
    /** How often computes are checked for idleness (their timeouts are per branch). */
    public static final Duration IDLE_CHECK_INTERVAL = Duration.ofSeconds(10);

    private final ControlPlane plane;
    private final HttpApi api;
    private final ScheduledExecutorService jobs;
    private final MetricRegistry metrics;

    private final ProxyServer proxy;
    private final ProxyBackends backends;

    private ControlServer(
            ControlPlane plane,
            HttpApi api,
            ScheduledExecutorService jobs,
            MetricRegistry metrics,
            ProxyServer proxy,
            ProxyBackends backends) {
        this.proxy = proxy;
        this.backends = backends;
        this.plane = plane;
        this.api = api;
        this.jobs = jobs;
        this.metrics = metrics;
    }

    public static ControlServer start(ControlConfig config, String host, int port) throws IOException {
        return start(config, host, port, null, IDLE_CHECK_INTERVAL);
    }

    /**
     * With a proxy ({@code proxy} non-null): one Postgres port for every branch, computes woken on
     * connect and suspended after their idle timeout (checked every {@code idleCheck}).
     */
    public static ControlServer start(
            ControlConfig config, String host, int port, ProxyConfig proxy, Duration idleCheck) throws IOException {
        ControlPlane plane = new ControlPlane(config);
        long deadline = System.nanoTime() + CATALOG_WAIT_MAX.toNanos();
        while (true) {
            try {
                plane.jobs().markOrphanedComputes();
                break;
            } catch (ControlError e) {
                if (!(e instanceof ControlError.Unavailable) || System.nanoTime() > deadline) {
                    plane.close();
                    throw new IOException(
                            "the catalog did not answer within " + CATALOG_WAIT_MAX + ": " + e.getMessage(), e);
                }
                LOG.info("waiting for the catalog: {}", e.getMessage());
            }
        }
        MetricRegistry metrics = new MetricRegistry();
        HttpApi api;
        try {
            api = HttpApi.start(host, port, Api.routes(plane, metrics), metrics);
        } catch (IOException e) {
            plane.close();
            throw new IOException("cannot listen on " + host + ":" + port + " for the API: " + e.getMessage(), e);
        }
        ScheduledExecutorService jobs = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "expiry");
            t.setDaemon(true);
            return t;
        });
        jobs.scheduleWithFixedDelay(
                () -> {
                    try {
                        plane.jobs().expireBranches();
                    } catch (RuntimeException e) {
                        LOG.warn("expiring branches: {}", e.getMessage());
                    }
                },
                EXPIRY_INTERVAL.toMillis(),
                EXPIRY_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        ProxyServer proxyServer = null;
        ProxyBackends backends = null;
        if (proxy != null) {
            backends = new ProxyBackends(plane);
            try {
                proxyServer = ProxyServer.start(proxy, backends, metrics);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted starting the proxy", e);
            } catch (RuntimeException e) {
                api.close();
                plane.close();
                throw new IOException(
                        "cannot listen on " + proxy.host() + ":" + proxy.port() + " for the proxy: " + e, e);
            }
            plane.setProxyAddress(proxy.host(), proxyServer.port());
            ProxyBackends b = backends;
            jobs.scheduleWithFixedDelay(
                    () -> {
                        try {
                            plane.jobs().suspendIdle(b::connections);
                        } catch (RuntimeException e) {
                            LOG.warn("idle check: {}", e.getMessage());
                        }
                    },
                    idleCheck.toMillis(),
                    idleCheck.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        LOG.info("control plane API on http://{}:{}/v1 (OpenAPI: /v1/openapi.json)", host, api.port());
        return new ControlServer(plane, api, jobs, metrics, proxyServer, backends);
    }

    /** The proxy's port, or -1 without one. */
    public int proxyPort() {
        return proxy == null ? -1 : proxy.port();
    }

    public int port() {
        return api.port();
    }

    public ControlPlane plane() {
        return plane;
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    @Override
    public void close() throws IOException {
        jobs.shutdownNow();
        if (proxy != null) {
            proxy.close();
            backends.close();
        }
        api.close();
        plane.close();
    }
}
