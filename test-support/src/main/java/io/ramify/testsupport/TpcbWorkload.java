package io.ramify.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * pgbench's TPC-B transaction over JDBC, on tables made by {@code pgbench -i}, where every client
 * keeps a log of what the server told it: each transaction writes a unique tag into
 * {@code pgbench_history.filler}, and the client records the tag (and the transaction's xid) once
 * COMMIT returned. A commit whose answer never came (the server or the connection died) is
 * <em>in doubt</em>: it may or may not be there. Clients reconnect after errors until stopped, so
 * the workload rides through crashes and restarts of the server.
 *
 * <p>{@link #verify} then states what crash safety means: every transaction a client saw commit
 * is present, nothing is present that was not attempted up to its commit, and the pgbench balance
 * invariant holds.
 */
public final class TpcbWorkload implements AutoCloseable {
    /** Accounts, tellers and branches per unit of pgbench scale. */
    static final int ACCOUNTS = 100_000;

    static final int TELLERS = 10;
    /** Pause between reconnection attempts while the server is down. */
    static final Duration RECONNECT_PAUSE = Duration.ofMillis(200);

    static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** A statement that takes longer is abandoned (the server is probably stuck or gone). */
    static final int STATEMENT_TIMEOUT_SECONDS = 60;

    private final String url;
    private final String tagPrefix;
    private final int scale;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Map<String, Long> committed = new ConcurrentHashMap<>();
    private final Set<String> inDoubt = ConcurrentHashMap.newKeySet();
    private final AtomicLong errors = new AtomicLong();
    private volatile String lastError = "";

    /**
     * @param tagPrefix distinguishes this run's rows from other runs' (at most 8 characters)
     */
    public TpcbWorkload(String host, int port, int scale, String tagPrefix) {
        if (tagPrefix.length() > 8) {
            throw new IllegalArgumentException("tag prefix longer than 8 characters: " + tagPrefix);
        }
        this.url = "jdbc:postgresql://" + host + ":" + port + "/postgres?user=postgres&connectTimeout="
                + CONNECT_TIMEOUT_SECONDS + "&socketTimeout=" + STATEMENT_TIMEOUT_SECONDS;
        this.scale = scale;
        this.tagPrefix = tagPrefix;
    }

    public TpcbWorkload start(int clients) {
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = Thread.ofPlatform()
                    .name("tpcb-" + tagPrefix + "-" + c)
                    .daemon()
                    .start(() -> runClient(client));
            threads.add(t);
        }
        return this;
    }

    private void runClient(int client) {
        long n = 0;
        Connection conn = null;
        while (!stop.get()) {
            try {
                if (conn == null) {
                    conn = DriverManager.getConnection(url);
                    conn.setAutoCommit(false);
                }
                transaction(conn, tagPrefix + "c" + client + "n" + n++);
            } catch (SQLException e) {
                errors.incrementAndGet();
                lastError = e.getMessage();
                closeQuietly(conn);
                conn = null;
                sleep(RECONNECT_PAUSE.toMillis());
            }
        }
        closeQuietly(conn);
    }

    private void transaction(Connection conn, String tag) throws SQLException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int aid = 1 + r.nextInt(ACCOUNTS * scale);
        int tid = 1 + r.nextInt(TELLERS * scale);
        int bid = 1 + r.nextInt(scale);
        int delta = r.nextInt(-5000, 5001);
        long xid;
        try {
            update(conn, "UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?", delta, aid);
            update(conn, "UPDATE pgbench_tellers SET tbalance = tbalance + ? WHERE tid = ?", delta, tid);
            update(conn, "UPDATE pgbench_branches SET bbalance = bbalance + ? WHERE bid = ?", delta, bid);
            try (PreparedStatement ps =
                    conn.prepareStatement("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime,"
                            + " filler) VALUES (?, ?, ?, ?, now(), ?) RETURNING txid_current()")) {
                ps.setInt(1, tid);
                ps.setInt(2, bid);
                ps.setInt(3, aid);
                ps.setInt(4, delta);
                ps.setString(5, tag);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    xid = rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            // Not committed for sure: COMMIT was never sent.
            try {
                conn.rollback();
            } catch (SQLException ignored) {
                // the connection is probably gone; the caller reconnects
            }
            throw e;
        }
        inDoubt.add(tag);
        conn.commit();
        committed.put(tag, xid);
        inDoubt.remove(tag);
    }

    private static void update(Connection conn, String sql, int delta, int id) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setInt(1, delta);
            ps.setInt(2, id);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("no row for id " + id + " in: " + sql);
            }
        }
    }

    /** Stops every client (each finishes or abandons its transaction) and waits for them. */
    public void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(STATEMENT_TIMEOUT_SECONDS + CONNECT_TIMEOUT_SECONDS + 10));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop");
            }
        }
    }

    /** Tags acknowledged as committed, with their xids. */
    public Map<String, Long> committed() {
        return Map.copyOf(committed);
    }

    public Set<String> inDoubt() {
        return Set.copyOf(inDoubt);
    }

    public long errors() {
        return errors.get();
    }

    public String lastError() {
        return lastError;
    }

    /** What {@link #verify} found. */
    public record Verdict(
            int present,
            int committed,
            int inDoubtPresent,
            List<String> missing,
            List<String> unexpected,
            String invariant) {
        public boolean ok() {
            return missing.isEmpty() && unexpected.isEmpty() && invariant.isEmpty();
        }

        @Override
        public String toString() {
            return "present " + present + ", acknowledged " + committed + ", in doubt and present " + inDoubtPresent
                    + (missing.isEmpty()
                            ? ""
                            : ", MISSING acknowledged " + missing.subList(0, Math.min(10, missing.size())))
                    + (unexpected.isEmpty()
                            ? ""
                            : ", UNEXPECTED " + unexpected.subList(0, Math.min(10, unexpected.size())))
                    + (invariant.isEmpty() ? ", invariant holds" : ", " + invariant);
        }
    }

    /**
     * Checks the database at {@code host:port} against what the clients saw: every acknowledged
     * commit present, nothing present beyond acknowledged or in-doubt ones, the balance invariant.
     */
    public Verdict verify(String host, int port) throws SQLException {
        Set<String> present = presentTags(host, port, tagPrefix);
        List<String> missing = new ArrayList<>();
        for (String t : committed.keySet()) {
            if (!present.contains(t)) {
                missing.add(t);
            }
        }
        List<String> unexpected = new ArrayList<>();
        int inDoubtPresent = 0;
        for (String t : present) {
            if (inDoubt.contains(t)) {
                inDoubtPresent++;
            } else if (!committed.containsKey(t)) {
                unexpected.add(t);
            }
        }
        return new Verdict(
                present.size(), committed.size(), inDoubtPresent, missing, unexpected, balanceInvariant(host, port));
    }

    /** Tags of this run's rows in {@code pgbench_history}. */
    public static Set<String> presentTags(String host, int port, String tagPrefix) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = connect(host, port);
                PreparedStatement ps =
                        c.prepareStatement("SELECT rtrim(filler) FROM pgbench_history WHERE filler LIKE ?")) {
            ps.setString(1, tagPrefix + "c%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * pgbench's balance invariant: the sums of account, teller and branch balances each equal the
     * sum of the deltas in {@code pgbench_history}. Empty when it holds, else what differs.
     */
    public static String balanceInvariant(String host, int port) throws SQLException {
        Map<String, Long> sums = new HashMap<>();
        try (Connection c = connect(host, port);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts),"
                        + " (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers),"
                        + " (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches),"
                        + " (SELECT coalesce(sum(delta), 0) FROM pgbench_history)")) {
            rs.next();
            sums.put("accounts", rs.getLong(1));
            sums.put("tellers", rs.getLong(2));
            sums.put("branches", rs.getLong(3));
            long history = rs.getLong(4);
            StringBuilder bad = new StringBuilder();
            sums.forEach((k, v) -> {
                if (v != history) {
                    bad.append("sum of ")
                            .append(k)
                            .append(" balances ")
                            .append(v)
                            .append(" != sum of history deltas ")
                            .append(history)
                            .append("; ");
                }
            });
            return bad.toString();
        }
    }

    public static Connection connect(String host, int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port
                + "/postgres?user=postgres&connectTimeout=" + CONNECT_TIMEOUT_SECONDS);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
