package io.ramify.chaos.run;

import io.ramify.chaos.history.Op;
import io.ramify.chaos.history.Value;
import io.ramify.control.Views;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * pgbench's TPC-B transaction through the proxy, every attempt in the history: invoke with a
 * unique tag (written into {@code pgbench_history.filler}), then OK once COMMIT returned, FAIL when
 * it broke before COMMIT was sent (it cannot have committed), INFO when COMMIT was sent and no
 * answer came (indeterminate). {@link #check} then says what was lost: an OK tag absent, a tag
 * present that no client attempted, the balance invariant broken.
 */
public final class Bank implements Workload {
    public static final String PROJECT = "bank";
    public static final String F = "txn";
    static final int BRANCHES = 1;
    static final int TELLERS = 10;
    static final int ACCOUNTS = 10_000;
    /** Pause after a failed attempt (the server may be down for seconds). */
    static final long RETRY_PAUSE_MILLIS = 200;

    private final Recorder rec;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private String url;

    public Bank(Recorder rec) {
        this.rec = rec;
    }

    @Override
    public Kind kind() {
        return Kind.BANK;
    }

    @Override
    public String project() {
        return PROJECT;
    }

    @Override
    public Set<String> functions() {
        return Set.of(F);
    }

    /** The project, the main branch's compute (woken by the first connection) and the bank's tables. */
    @Override
    public void setUp(ChaosCluster c) throws SQLException {
        c.api.post("/v1/projects", new Views.CreateProject(PROJECT, null), Views.ProjectCreated.class);
        c.api.post("/v1/projects/" + PROJECT + "/branches/main/compute/start", null, Views.Branch.class);
        url = c.jdbcUrl("main");
        setup();
    }

    /** pgbench's four tables at a small scale, from scratch. */
    void setup() throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS pgbench_history, pgbench_accounts, pgbench_tellers, pgbench_branches");
            s.execute("CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88))");
            s.execute("CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84))");
            s.execute("CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84))");
            s.execute(
                    "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler text)");
            s.execute("INSERT INTO pgbench_branches SELECT b, 0 FROM generate_series(1, " + BRANCHES + ") b");
            s.execute("INSERT INTO pgbench_tellers SELECT t, 1, 0 FROM generate_series(1, " + TELLERS + ") t");
            s.execute("INSERT INTO pgbench_accounts SELECT a, 1, 0 FROM generate_series(1, " + ACCOUNTS + ") a");
            s.execute("CREATE INDEX ON pgbench_history (filler)");
        }
    }

    /** The bank runs until stopped, as fast as its clients go: {@code span} does not matter. */
    @Override
    public void start(int clients, Duration span) {
        for (int i = 0; i < clients; i++) {
            int process = i;
            threads.add(Thread.ofPlatform().name("bank-" + i).daemon().start(() -> client(process)));
        }
    }

    private void client(int process) {
        Connection c = null;
        for (long n = 0; !stop.get(); n++) {
            String tag = "c" + process + "-" + n;
            rec.invoke(process, F, Value.of(tag));
            boolean commitSent = false;
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url);
                    c.setAutoCommit(false);
                }
                transfer(c, tag);
                commitSent = true;
                c.commit();
                rec.ok(process, F, Value.of(tag));
            } catch (SQLException e) {
                String why = e.getSQLState() + " " + e.getMessage();
                if (commitSent) {
                    rec.info(process, F, Value.of(tag), why);
                } else {
                    rec.fail(process, F, Value.of(tag), why);
                }
                close(c);
                c = null;
                sleep(RETRY_PAUSE_MILLIS);
            }
        }
        close(c);
    }

    private static void transfer(Connection c, String tag) throws SQLException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int aid = 1 + r.nextInt(ACCOUNTS);
        int tid = 1 + r.nextInt(TELLERS);
        int delta = r.nextInt(-5000, 5001);
        try (PreparedStatement a =
                        c.prepareStatement("UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?");
                PreparedStatement t =
                        c.prepareStatement("UPDATE pgbench_tellers SET tbalance = tbalance + ? WHERE tid = ?");
                PreparedStatement b =
                        c.prepareStatement("UPDATE pgbench_branches SET bbalance = bbalance + ? WHERE bid = 1");
                PreparedStatement h = c.prepareStatement("INSERT INTO pgbench_history VALUES (?, 1, ?, ?, now(), ?)")) {
            a.setInt(1, delta);
            a.setInt(2, aid);
            a.executeUpdate();
            t.setInt(1, delta);
            t.setInt(2, tid);
            t.executeUpdate();
            b.setInt(1, delta);
            b.executeUpdate();
            h.setInt(1, tid);
            h.setInt(2, aid);
            h.setInt(3, delta);
            h.setString(4, tag);
            h.executeUpdate();
        }
    }

    @Override
    public boolean running() {
        return !stop.get();
    }

    @Override
    public void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }
    }

    /** What the database holds against what clients saw, after the faults healed. */
    public record Verdict(
            int attempted,
            int acknowledged,
            int indeterminate,
            int indeterminatePresent,
            List<String> lost,
            List<String> unexpected,
            String invariant,
            String amcheck)
            implements Workload.Verdict {
        @Override
        public boolean ok() {
            return lost.isEmpty() && unexpected.isEmpty() && invariant.isEmpty() && amcheck.isEmpty();
        }

        @Override
        public String summary() {
            return String.format(
                    Locale.ROOT,
                    "%d txns attempted, %d acknowledged, %d indeterminate (%d present), lost %d, "
                            + "unexpected %d, invariant %s, amcheck %s",
                    attempted,
                    acknowledged,
                    indeterminate,
                    indeterminatePresent,
                    lost.size(),
                    unexpected.size(),
                    invariant.isEmpty() ? "holds" : invariant,
                    amcheck.isEmpty() ? "clean" : amcheck);
        }

        @Override
        public String jsonFields() {
            return "\"attempted\":" + attempted + ",\"acknowledged\":" + acknowledged + ",\"indeterminate\":"
                    + indeterminate
                    + ",\"indeterminatePresent\":" + indeterminatePresent + ",\"lost\":" + Results.list(lost)
                    + ",\"unexpected\":"
                    + Results.list(unexpected) + ",\"invariant\":" + Results.str(invariant) + ",\"amcheck\":"
                    + Results.str(amcheck);
        }
    }

    /** {@link #check(String)} with pg_amcheck's verdict on the branch. */
    @Override
    public Verdict check(ChaosCluster c) throws SQLException, IOException, InterruptedException {
        return check(amcheck(c));
    }

    /** Reads every tag back and checks it against the history; {@code amcheck} is pg_amcheck's complaint, if any. */
    public Verdict check(String amcheck) throws SQLException {
        Set<String> present = new HashSet<>();
        String invariant;
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT filler FROM pgbench_history")) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
            try (ResultSet rs =
                    s.executeQuery("SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(tbalance)"
                            + " FROM pgbench_tellers), (SELECT sum(bbalance) FROM pgbench_branches), (SELECT coalesce(sum(delta), 0)"
                            + " FROM pgbench_history)")) {
                rs.next();
                long h = rs.getLong(4);
                invariant = rs.getLong(1) == h && rs.getLong(2) == h && rs.getLong(3) == h
                        ? ""
                        : "balances " + rs.getLong(1) + " / " + rs.getLong(2) + " / " + rs.getLong(3)
                                + " against history deltas " + h;
            }
        }
        Set<String> invoked = new HashSet<>();
        Set<String> acked = new HashSet<>();
        Set<String> indeterminate = new HashSet<>();
        Set<String> failed = new HashSet<>();
        for (Op op : rec.ops()) {
            if (!op.f().equals(F)) {
                continue;
            }
            String tag = ((Value.Str) op.value()).value();
            switch (op.type()) {
                case INVOKE -> invoked.add(tag);
                case OK -> acked.add(tag);
                case INFO -> indeterminate.add(tag);
                case FAIL -> failed.add(tag);
            }
        }
        List<String> lost =
                acked.stream().filter(t -> !present.contains(t)).sorted().toList();
        // Present but never attempted, or attempted and failed before COMMIT was sent: neither can have committed.
        List<String> unexpected = present.stream()
                .filter(t -> !invoked.contains(t) || failed.contains(t))
                .sorted()
                .toList();
        int indeterminatePresent =
                (int) indeterminate.stream().filter(present::contains).count();
        return new Verdict(
                invoked.size(),
                acked.size(),
                indeterminate.size(),
                indeterminatePresent,
                lost,
                unexpected,
                invariant,
                amcheck);
    }

    /**
     * Proves on this run's own database that {@link #check} can fail: deletes one acknowledged
     * transaction's row (a lost commit), which must be reported as exactly that loss, then breaks the
     * balance invariant, which must be reported too. Run last: it damages the data. Empty when both
     * were caught, else what was missed.
     */
    @Override
    public String negativeControls(ChaosCluster cluster) throws SQLException {
        String victim = rec.ops().stream()
                .filter(o -> o.type() == Op.Type.OK && o.f().equals(F))
                .map(o -> ((Value.Str) o.value()).value())
                .findFirst()
                .orElse(null);
        if (victim == null) {
            return "no acknowledged transaction to delete";
        }
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement d = c.prepareStatement("DELETE FROM pgbench_history WHERE filler = ?")) {
            d.setString(1, victim);
            d.executeUpdate();
        }
        Verdict v = check("");
        if (!v.lost().equals(List.of(victim))) {
            return "the deleted acknowledged row " + victim + " was not reported lost (lost: " + v.lost() + ")";
        }
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1");
        }
        if (check("").invariant().isEmpty()) {
            return "a broken balance invariant was not reported";
        }
        return "";
    }

    @Override
    public String negativeControlsCaught() {
        return "a deleted acknowledged row and a broken balance were both caught";
    }

    /** pg_amcheck over every table and index of the branch, through the proxy; empty when clean. */
    private static String amcheck(ChaosCluster c) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(
                        "/usr/lib/postgresql/15/bin/pg_amcheck",
                        "--heapallindexed",
                        "--install-missing",
                        "-h",
                        c.local.controlHost(),
                        "-p",
                        Integer.toString(c.local.proxyPort()),
                        "-U",
                        "postgres",
                        "postgres")
                .redirectErrorStream(true);
        pb.environment().put("PGOPTIONS", "endpoint=main");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return "pg_amcheck did not finish in 10 minutes";
        }
        return p.exitValue() == 0 ? "" : "pg_amcheck exited " + p.exitValue() + ": " + out.strip();
    }

    private static void close(Connection c) {
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
}
