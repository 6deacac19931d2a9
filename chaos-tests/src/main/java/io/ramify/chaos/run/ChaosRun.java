package io.ramify.chaos.run;

import io.ramify.chaos.history.Value;
import io.ramify.common.TimelineId;
import io.ramify.control.Views;
import io.ramify.wal.client.WalClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One run: the cluster on its hosts, a {@link Workload} (the bank through the proxy, or branch
 * operations through the REST API), the nemesis injecting a fault, holding it, healing it and
 * waiting until every part is whole again, fault after fault; then the workload stops and its
 * check runs against the history (and, for the bank, the database), followed by the check's
 * negative controls. Everything goes to the run's directory: {@code seed}, {@code schedule.jsonl}
 * (each fault as injected), {@code history.jsonl} (every operation and nemesis event), {@code
 * result.json}, {@code run.log} and the processes' logs under {@code logs/}.
 */
public final class ChaosRun {
    /**
     * The settings of a run. {@code opsMax} is the catalog workload's budget of operations (0: its
     * default, {@link CatalogWorkload#OPS_DEFAULT}); the bank has none.
     */
    public record Settings(
            Path dir,
            long seed,
            Set<Fault.Kind> nemeses,
            int faults,
            Duration duration,
            Duration holdMin,
            Duration holdMax,
            int clients,
            Duration recoveryMax,
            Workload.Kind workload,
            int opsMax) {
        public static final Duration RECOVERY_MAX_DEFAULT = Duration.ofMinutes(3);

        /** A bank run. */
        public Settings(
                Path dir,
                long seed,
                Set<Fault.Kind> nemeses,
                int faults,
                Duration duration,
                Duration holdMin,
                Duration holdMax,
                int clients,
                Duration recoveryMax) {
            this(dir, seed, nemeses, faults, duration, holdMin, holdMax, clients, recoveryMax, Workload.Kind.BANK, 0);
        }
    }

    /**
     * What a run saw: faults, the workload's verdict, and per fault how long clients went without
     * an acknowledged operation (the longest gap from the fault to the first one after recovery).
     */
    public record Result(
            long seed,
            String workload,
            String nemeses,
            int faults,
            Workload.Verdict verdict,
            List<Long> unavailableMillis,
            List<Long> recoveryMillis,
            List<String> unexpectedErrors,
            String failure) {
        public boolean ok() {
            return failure.isEmpty() && verdict != null && verdict.ok() && unexpectedErrors.isEmpty();
        }

        /** PASS, FAIL, or UNKNOWN when nothing failed but the check could not decide. */
        public String outcome() {
            if (ok()) {
                return "PASS";
            }
            boolean onlyUndecided =
                    failure.isEmpty() && unexpectedErrors.isEmpty() && verdict != null && verdict.unknown();
            return onlyUndecided ? "UNKNOWN" : "FAIL";
        }
    }

    /**
     * What a fault takes besides its hold, for spreading a workload's budget of operations over the
     * run: healing, recovery (a killed node's JVM restarting and catching up) and the next
     * acknowledged operation: 1 to 10 s in runs so far. Too short an estimate spends the budget
     * before the last faults (the run then stops injecting), too long a one leaves part of it unspent.
     */
    static final Duration FAULT_OVERHEAD_ESTIMATE = Duration.ofSeconds(5);

    private final Settings s;
    /** Faults injected so far in this run. */
    private int injected;

    private final Recorder rec = new Recorder();
    private final PrintWriter log;
    private final Path dir;

    public ChaosRun(Settings s) throws IOException {
        this.s = s;
        this.dir = Files.createDirectories(s.dir());
        this.log = new PrintWriter(
                Files.newBufferedWriter(
                        dir.resolve("run.log"),
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND),
                true);
        Files.writeString(dir.resolve("seed"), Long.toString(s.seed()) + "\n");
    }

    void say(String line) {
        String l = Instant.now() + " " + line;
        log.println(l);
        System.err.println("[chaos] " + line);
    }

    public Result run() throws Exception {
        say("seed " + s.seed() + ", workload " + s.workload().cliName() + ", nemeses " + s.nemeses() + ", up to "
                + s.faults() + " faults in " + s.duration());
        List<Long> unavailable = new ArrayList<>();
        List<Long> recovery = new ArrayList<>();
        String failure = "";
        Workload.Verdict verdict = null;
        try (ChaosCluster c = ChaosCluster.start(dir, 3, this::say)) {
            Workload w = setUp(c);
            try {
                faults(c, w, unavailable, recovery);
            } catch (Exception e) {
                failure = e.toString();
                say("run failed: " + failure);
            }
            w.stop();
            if (failure.isEmpty()) {
                c.awaitRecovered(s.recoveryMax());
            }
            verdict = w.check(c);
            say("verdict: " + verdict.summary());
            if (verdict.ok()) {
                String control = w.negativeControls(c);
                say("checker negative controls: " + (control.isEmpty() ? w.negativeControlsCaught() : control));
                if (!control.isEmpty()) {
                    failure = failure.isEmpty() ? control : failure + "; " + control;
                }
            }
        } catch (Exception e) {
            failure = failure.isEmpty() ? e.toString() : failure;
            say("run failed: " + e);
        } finally {
            rec.write(dir.resolve("history.jsonl"));
        }
        List<String> errors = ErrorLines.unexpected(dir.resolve("logs"));
        errors.forEach(e -> say("unexpected ERROR line: " + e));
        Result r = new Result(
                s.seed(),
                s.workload().cliName(),
                s.nemeses().toString(),
                injected,
                verdict,
                unavailable,
                recovery,
                errors,
                failure);
        Files.writeString(dir.resolve("result.json"), Results.json(r));
        say(r.outcome() + ": " + Results.summary(r));
        return r;
    }

    /** The workload's project and data, its clients started and seen to get an operation acknowledged. */
    private Workload setUp(ChaosCluster c) throws Exception {
        Workload w = switch (s.workload()) {
            case BANK -> new Bank(rec);
            case CATALOG ->
                new CatalogWorkload(rec, s.seed(), s.opsMax() > 0 ? s.opsMax() : CatalogWorkload.OPS_DEFAULT);
        };
        w.setUp(c);
        long holdMean = (s.holdMin().toMillis() + s.holdMax().toMillis()) / 2;
        Duration span = Duration.ofMillis(
                Math.min(s.duration().toMillis(), s.faults() * (holdMean + FAULT_OVERHEAD_ESTIMATE.toMillis())));
        w.start(s.clients(), span);
        try {
            if (awaitNextOk(w, System.nanoTime()) < 0) {
                throw new IOException(
                        "the " + w.kind().cliName() + " workload stopped before any operation was " + "acknowledged");
            }
        } catch (IOException | InterruptedException e) {
            w.stop();
            throw e;
        }
        say(w.kind().cliName() + " workload running with " + s.clients() + " clients");
        return w;
    }

    /**
     * Fault after fault until the count, the duration or the workload's budget of operations runs
     * out; counts them in {@link #injected}, which a fault that throws leaves counted.
     */
    private void faults(ChaosCluster c, Workload w, List<Long> unavailable, List<Long> recovery) throws Exception {
        Nemesis nemesis = new Nemesis(s.seed(), s.nemeses(), walGroup(c, w.project()));
        long end = System.nanoTime() + s.duration().toNanos();
        java.util.Random holds = new java.util.Random(s.seed() + 1);
        while (injected < s.faults() && System.nanoTime() < end && w.running()) {
            Fault f = nemesis.next(c);
            long t0 = System.nanoTime();
            rec.invoke(Recorder.NEMESIS, f.kind().name().toLowerCase(Locale.ROOT), Value.of(f.target()));
            f.inject(c);
            rec.ok(Recorder.NEMESIS, f.kind().name().toLowerCase(Locale.ROOT), Value.of(f.target()));
            injected++;
            schedule(injected, f);
            long hold = s.holdMin().toMillis()
                    + holds.nextLong(s.holdMax().toMillis() - s.holdMin().toMillis() + 1);
            Thread.sleep(hold);
            rec.invoke(Recorder.NEMESIS, "heal", Value.of(f.target()));
            f.heal(c);
            rec.ok(Recorder.NEMESIS, "heal", Value.of(f.target()));
            Duration rec0 = c.awaitRecovered(s.recoveryMax());
            recovery.add(rec0.toMillis());
            long whole = System.nanoTime();
            long next = awaitNextOk(w, whole);
            String gap;
            if (next >= 0) {
                long unavail = rec.longestGapMillis(w.functions(), t0, whole + next * 1_000_000);
                unavailable.add(unavail);
                gap = "longest time without an acknowledged operation from the fault until then " + unavail + " ms";
            } else {
                gap = "the workload's operations ran out, so its unavailability was not measured";
            }
            say(String.format(
                    Locale.ROOT,
                    "fault %d: %s %s held %d ms; whole again %d ms after healing; %s",
                    injected,
                    f.kind(),
                    f.target(),
                    hold,
                    rec0.toMillis(),
                    gap));
        }
        if (!w.running()) {
            say("the workload's budget of operations is spent: no more faults (" + injected + " injected)");
        }
    }

    private static int walGroup(ChaosCluster c, String project) {
        Views.Branch main = c.api.get("/v1/projects/" + project + "/branches/main", Views.Branch.class);
        try (WalClient w = c.local.walClient()) {
            return w.groupOf(TimelineId.parse(main.timeline()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bound on waiting for an acknowledged operation after a fault; past it the fault made the system unavailable for good. */
    static final Duration NEXT_OK_MAX = Duration.ofMinutes(3);

    /**
     * Milliseconds from {@code fromNanos} to the workload's next acknowledged operation, waiting for
     * it (bounded); -1 when the workload stopped by itself first.
     */
    private long awaitNextOk(Workload w, long fromNanos) throws InterruptedException, IOException {
        long deadline = fromNanos + NEXT_OK_MAX.toNanos();
        while (System.nanoTime() < deadline) {
            long ms = rec.millisToNextOk(w.functions(), fromNanos);
            if (ms >= 0) {
                return ms;
            }
            if (!w.running()) {
                return -1;
            }
            Thread.sleep(50);
        }
        throw new IOException("no operation acknowledged within " + NEXT_OK_MAX.toSeconds() + " s of a fault");
    }

    private void schedule(int n, Fault f) throws IOException {
        Files.writeString(
                dir.resolve("schedule.jsonl"),
                "{\"n\":" + n + ",\"kind\":\"" + f.kind() + "\",\"target\":\""
                        + f.target().replace("\"", "'") + "\"}\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
