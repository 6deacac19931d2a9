package io.ramify.bench;

import io.ramify.common.server.ServerMain;

/**
 * The main class of every Ramify server process a benchmark starts through the local-cluster
 * fixture ({@link BenchServers#launcher}): {@link ServerMain} (a role and its {@code ramify}
 * subcommand's options; {@code ready: } once it serves), which also exits once the benchmark is
 * gone ({@link ParentWatch#exitWithParent}).
 */
public final class ServerProcess {
    private ServerProcess() {}

    /** Args: ROLE --option value ..., as {@link ServerMain} takes them. */
    public static void main(String[] args) throws Exception {
        ParentWatch.exitWithParent();
        ServerMain.main(args);
    }
}
