package io.ramify.control;

import io.ramify.proxy.Backends;
import io.ramify.proxy.ProxyError;
import io.ramify.proxy.Route;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's view of the control plane: opening a route starts the branch's compute if needed (a
 * start already under way is shared, so a burst of first connections starts one compute), and
 * proxy connections are counted per branch for the idle check.
 */
final class ProxyBackends implements Backends {
    /** Threads that may wait on compute starts at once, and opens queued behind them. */
    static final int WAKERS = 32;

    static final int WAKE_QUEUE_MAX = 10_000;

    private final ControlPlane plane;
    private final Map<Route, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor wakers = new ThreadPoolExecutor(
            WAKERS, WAKERS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(WAKE_QUEUE_MAX), r -> {
                Thread t = new Thread(r, "proxy-wake");
                t.setDaemon(true);
                return t;
            });

    ProxyBackends(ControlPlane plane) {
        this.plane = plane;
    }

    @Override
    public CompletableFuture<InetSocketAddress> open(Route route) {
        try {
            return CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            Views.Branch b = plane.startCompute(route.project(), route.branch());
                            return new InetSocketAddress(
                                    b.compute().host(), b.compute().port());
                        } catch (ControlError e) {
                            if (e instanceof ControlError.NotFound) {
                                throw new ProxyError(
                                        ProxyError.INVALID_CATALOG_NAME,
                                        "branch \"" + route.branch() + "\" of project \"" + route.project()
                                                + "\" does not exist (" + e.getMessage() + ")");
                            }
                            throw new ProxyError(
                                    ProxyError.CANNOT_CONNECT_NOW,
                                    "the compute of branch " + route + " could not start: " + e.getMessage(),
                                    e);
                        }
                    },
                    wakers);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new ProxyError(
                    ProxyError.CANNOT_CONNECT_NOW,
                    "the proxy has " + WAKE_QUEUE_MAX + " connections waiting for computes; try again later"));
        }
    }

    @Override
    public void connected(Route route) {
        connections.computeIfAbsent(route, r -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void disconnected(Route route) {
        connections.computeIfAbsent(route, r -> new AtomicInteger()).decrementAndGet();
    }

    int connections(String project, String branch) {
        AtomicInteger n = connections.get(new Route(project, branch));
        return n == null ? 0 : n.get();
    }

    void close() {
        wakers.shutdownNow();
    }
}
