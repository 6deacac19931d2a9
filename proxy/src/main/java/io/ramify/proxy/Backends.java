package io.ramify.proxy;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** Where the proxy finds (and wakes) computes; the control plane implements it. */
public interface Backends {
    /**
     * The address of the branch's running compute, starting it if it is suspended or stopped.
     * Completes exceptionally with a {@link ProxyError} (unknown branch, start failed).
     */
    CompletableFuture<InetSocketAddress> open(Route route);

    /** A client connection to the branch opened (after the compute answered) or closed. */
    void connected(Route route);

    void disconnected(Route route);
}
