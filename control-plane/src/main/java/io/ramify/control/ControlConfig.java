package io.ramify.control;

import io.ramify.wal.client.WalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the control plane needs: the storage cluster it manages, where computes mount and log, the
 * address computes listen on, and the OS user Postgres runs as.
 *
 * @param computeDir parent of each compute's mount point and work directory; the OS user must be
 *     able to traverse it
 * @param computeHost the address computes listen on and that endpoints record
 * @param computePortBase computes take the first free port from here upwards
 */
public record ControlConfig(
        WalCluster wal,
        List<String> pageStores,
        Path computeDir,
        String computeHost,
        int computePortBase,
        String osUser,
        int uid,
        int gid) {

    /** Compute leases last this long without renewal; renewed every third of it. */
    public static final Duration LEASE_TTL = Duration.ofMinutes(5);
    /** Ports tried above the base before a compute start fails. */
    public static final int COMPUTE_PORTS_MAX = 1000;
    /** How long a new timeline may take to appear on every page-store shard (they poll for it). */
    public static final Duration SHARD_DISCOVERY_MAX = Duration.ofSeconds(60);
}
