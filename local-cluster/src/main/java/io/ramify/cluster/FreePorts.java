package io.ramify.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Free TCP ports on the loopback interface, for servers started by tests. */
public final class FreePorts {
    /** Attempts at a port this process has not handed out yet. */
    static final int ATTEMPTS_MAX = 100;
    /**
     * Every port handed out in this process. The kernel may offer a port again as soon as the probe
     * socket closes, before the first caller binds it: CI saw a Ratis server take the port a node's
     * metrics server had been given, and exit.
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    /**
     * A port that was free a moment ago and that this process never handed out before. Another
     * process may still take it before the caller binds it; that race is rare enough for tests.
     */
    public static int next() {
        for (int i = 0; i < ATTEMPTS_MAX; i++) {
            int port = probe();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no loopback port this process has not used in " + ATTEMPTS_MAX + " attempts");
    }

    private static int probe() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
