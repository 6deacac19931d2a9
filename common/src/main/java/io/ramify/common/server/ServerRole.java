package io.ramify.common.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * One kind of Ramify server (a ratis-wal node, a page-store shard, the control plane), startable
 * from the options of the {@code ramify} subcommand of the same name. Each server module provides
 * its role ({@code META-INF/services/io.ramify.common.server.ServerRole}); the local-cluster
 * fixture starts every part of a cluster through these, in its own JVM or as an OS process
 * ({@link ServerMain}), so a test, a benchmark and {@code ramify up} start a server the same way.
 */
public interface ServerRole {
    /** The {@code ramify} subcommand that runs this role: {@code wal-server}, {@code page-store}, {@code control}. */
    String name();

    /** Starts the server in this JVM; it serves when this returns. */
    RunningServer start(ServerOptions options) throws IOException;

    /** The role called {@code name} among those on the class path. */
    static ServerRole named(String name) {
        List<String> known = new ArrayList<>();
        for (ServerRole r : ServiceLoader.load(ServerRole.class)) {
            if (r.name().equals(name)) {
                return r;
            }
            known.add(r.name());
        }
        throw new IllegalArgumentException("no server role '" + name + "' on the class path (roles there: " + known
                + "); its module (ratis-wal, page-store, control-plane) must be a dependency");
    }
}
