package io.ramify.bench.compute;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** The benchmark's own queries, over JDBC: readiness, settings, pgbench's invariants. */
public final class Sql {
    /** Between attempts to get a first answer from a starting server. */
    static final long READY_POLL_MILLIS = 5;

    static final Duration READY_WAIT_MAX = Duration.ofMinutes(10);

    private Sql() {}

    public static Connection connect(Endpoint e) throws SQLException {
        return DriverManager.getConnection(e.jdbcUrl());
    }

    public static String one(Endpoint e, String sql) throws SQLException {
        try (Connection c = connect(e);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            if (!r.next()) {
                throw new SQLException("no row from " + e.name() + " for: " + sql);
            }
            return r.getString(1);
        }
    }

    public static void exec(Endpoint e, String sql) throws SQLException {
        try (Connection c = connect(e);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Loads the JDBC driver's classes, so that the first timed start does not pay for it. */
    public static void warmUp() {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:1/postgres?connectTimeout=1")) {
            // nothing listens on port 1
        } catch (SQLException expected) {
            // refused, as intended
        }
    }

    /**
     * Polls with {@code SELECT 1} until the server answers; returns {@link System#nanoTime()} of the
     * first answer. Gives up when {@code stillTrying} turns false (the start failed) or after
     * {@link #READY_WAIT_MAX}.
     */
    static long awaitFirstAnswer(Endpoint e, BooleanSupplier stillTrying) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + READY_WAIT_MAX.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline && stillTrying.getAsBoolean()) {
            try (Connection c = connect(e);
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT 1")) {
                if (r.next() && r.getInt(1) == 1) {
                    return System.nanoTime();
                }
            } catch (SQLException ex) {
                last = ex; // refused, or "the database system is starting up"
            }
            Thread.sleep(READY_POLL_MILLIS);
        }
        throw new SQLException(
                e.name() + " did not answer SELECT 1"
                        + (stillTrying.getAsBoolean() ? " within " + READY_WAIT_MAX : " (its start failed)")
                        + (last == null ? "" : "; last error: " + last.getMessage()),
                last);
    }

    /** Current values of the named settings. */
    public static Map<String, String> settings(Endpoint e, List<String> names) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = connect(e);
                Statement s = c.createStatement()) {
            for (String n : names) {
                try (ResultSet r = s.executeQuery("SHOW " + n)) {
                    r.next();
                    out.put(n, r.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * pgbench's TPC-B invariant: branch, teller and account balances and the history's deltas all
     * sum to the same; and the history holds exactly {@code historyRows} rows (one per committed
     * read-write transaction: none lost, none invented). Throws when either fails.
     */
    public static void checkInvariant(Endpoint e, long historyRows, String when) throws SQLException {
        String q = "SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts),"
                + " (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches),"
                + " (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers),"
                + " (SELECT coalesce(sum(delta), 0) FROM pgbench_history), (SELECT count(*) FROM pgbench_history)";
        try (Connection c = connect(e);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(q)) {
            r.next();
            long a = r.getLong(1);
            long b = r.getLong(2);
            long t = r.getLong(3);
            long h = r.getLong(4);
            long rows = r.getLong(5);
            if (a != b || b != t || t != h || rows != historyRows) {
                throw new IllegalStateException(e.name() + " " + when + ": pgbench invariant broken: sum(abalance) " + a
                        + ", sum(bbalance) " + b + ", sum(tbalance) " + t + ", sum(delta) " + h + ", history rows "
                        + rows
                        + " (expected " + historyRows + ")");
            }
        }
    }
}
