package io.ramify.bench.writepath;

import io.ramify.adapter.compute.PostgresProcess;
import io.ramify.bench.compute.CpuMeter;
import io.ramify.bench.compute.Endpoint;
import io.ramify.bench.compute.Sides;
import io.ramify.bench.compute.Sql;
import io.ramify.cluster.FreePorts;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stock Postgres 15 with two streaming standbys, each made with {@code pg_basebackup} from the
 * primary, on its own data directory and port on loopback, and a commit waiting for either of
 * them ({@code synchronous_standby_names = 'ANY 1 (s1, s2)'}, {@code synchronous_commit = on}):
 * the usual way to make a commit survive the loss of a machine without Ramify. Its cost is all
 * three servers.
 */
final class StandbysSetup implements Setup {
    static final String KEY = "standbys";
    static final List<String> NAMES = List.of("s1", "s2");
    static final String SYNC_NAMES = "ANY 1 (s1, s2)";
    static final Duration CATCH_UP_MAX = Duration.ofMinutes(3);
    static final Duration STREAMING_WAIT_MAX = Duration.ofMinutes(1);
    private static final long POLL_MILLIS = 20;

    private final Sides.Vanilla primary;
    private final Endpoint endpoint;
    private final List<VanillaPostgres> standbys = new ArrayList<>();
    private final List<Endpoint> standbyEndpoints = new ArrayList<>();

    StandbysSetup(Path dir) throws Exception {
        primary = new Sides.Vanilla(dir.resolve("primary"));
        endpoint = new Endpoint("primary", primary.pg.socketDir(), primary.pg.port());
        try {
            primary.pg.start(PostgresProcess.ENFORCED); // as the compute runs its Postgres
            for (String name : NAMES) {
                standbys.add(standby(dir.resolve(name), name));
                standbyEndpoints.add(new Endpoint(
                        "standby " + name,
                        standbys.getLast().socketDir(),
                        standbys.getLast().port()));
            }
            awaitStreaming(false);
            Sql.exec(endpoint, "ALTER SYSTEM SET synchronous_standby_names = '" + SYNC_NAMES + "'");
            Sql.exec(endpoint, "SELECT pg_reload_conf()");
            awaitStreaming(true);
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** pg_basebackup of the primary into {@code base/data}, streaming as {@code name}, started. */
    private VanillaPostgres standby(Path base, String name) throws IOException {
        Files.createDirectories(base);
        Processes.run(List.of("chown", VanillaPostgres.OS_USER + ":", base.toString()), Duration.ofSeconds(10));
        Path data = base.resolve("data");
        String conninfo = "host=" + primary.pg.socketDir() + " port=" + primary.pg.port() + " user="
                + VanillaPostgres.SUPERUSER + " application_name=" + name;
        primary.pg.run(
                "pg_basebackup",
                "-D",
                data.toString(),
                "-d",
                conninfo,
                "-X",
                "stream",
                "-c",
                "fast",
                "-R",
                "--no-sync");
        // -R wrote standby.signal and a primary_conninfo; this later line wins and names the standby.
        Files.writeString(
                data.resolve("postgresql.auto.conf"),
                "primary_conninfo = '" + conninfo + "'\n",
                StandardOpenOption.APPEND);
        VanillaPostgres s = VanillaPostgres.attach(data, base, FreePorts.next());
        s.start(PostgresProcess.ENFORCED);
        return s;
    }

    /** Waits until both standbys stream, and with {@code quorum} until both are quorum candidates. */
    private void awaitStreaming(boolean quorum) throws Exception {
        String q =
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name IN ('s1', 's2')"
                        + (quorum ? " AND sync_state = 'quorum'" : "");
        long deadline = System.nanoTime() + STREAMING_WAIT_MAX.toNanos();
        while (Integer.parseInt(Sql.one(endpoint, q)) != NAMES.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the standbys are not both streaming" + (quorum ? " as quorum candidates" : "")
                                + " after " + STREAMING_WAIT_MAX + ": "
                                + Sql.one(
                                        endpoint,
                                        "SELECT string_agg(application_name || ' "
                                                + "' || state || ' ' || sync_state, ', ') FROM pg_stat_replication"));
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public String title() {
        return "vanilla + 2 sync standbys (ANY 1)";
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public Map<String, Long> cpuTicks() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("primary", CpuMeter.treeTicks(primary.postmasterPid()));
        for (int i = 0; i < standbys.size(); i++) {
            out.put(NAMES.get(i), CpuMeter.treeTicks(standbyPid(i)));
        }
        return out;
    }

    @Override
    public Map<String, List<Long>> syncNodes(Map<Long, long[]> table) throws IOException {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        out.put("primary", Setup.tree(table, primary.postmasterPid()));
        for (int i = 0; i < standbys.size(); i++) {
            out.put(NAMES.get(i), Setup.tree(table, standbyPid(i)));
        }
        return out;
    }

    private long standbyPid(int i) throws IOException {
        return Sides.postmasterPid(standbys.get(i).dataDir().resolve("postmaster.pid"));
    }

    @Override
    public void checkReady() throws Exception {
        awaitStreaming(true);
        String sync = Sql.one(endpoint, "SHOW synchronous_standby_names");
        String commit = Sql.one(endpoint, "SHOW synchronous_commit");
        if (!SYNC_NAMES.equals(sync) || !"on".equals(commit)) {
            throw new IllegalStateException(
                    "primary runs with synchronous_standby_names '" + sync + "', synchronous_commit " + commit);
        }
    }

    /** The primary, then each standby once it has replayed everything the primary wrote. */
    @Override
    public void checkAfter(long historyRows, String when) throws Exception {
        Sql.checkInvariant(endpoint, historyRows, when);
        String lsn = Sql.one(endpoint, "SELECT pg_current_wal_lsn()");
        for (Endpoint s : standbyEndpoints) {
            long deadline = System.nanoTime() + CATCH_UP_MAX.toNanos();
            while (!"1".equals(Sql.one(s, "SELECT (pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn)::int"))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            s.name() + " did not replay up to " + lsn + " within " + CATCH_UP_MAX);
                }
                Thread.sleep(POLL_MILLIS);
            }
            Sql.checkInvariant(s, historyRows, when);
        }
    }

    @Override
    public void close() {
        for (VanillaPostgres s : standbys) {
            try {
                s.close();
            } catch (RuntimeException e) {
                WritePathBench.progress("stopping a standby: " + e.getMessage());
            }
        }
        primary.pg.close();
    }
}
