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
import java.util.concurrent.TimeUnit;

/**
 * One run: the cluster on its hosts, the bank workload through the proxy, the nemesis injecting a
 * fault, holding it, healing it and waiting until every part is whole again, fault after fault;
 * then the workload stops and the database is checked against the history. Everything goes to
 * the run's directory: {@code seed}, {@code schedule.jsonl} (each fault as injected),
 * {@code history.jsonl} (every operation and nemesis event), {@code result.json}, {@code run.log}
 * and the processes' logs under {@code logs/}.
 */
public final class ChaosRun {
  /** The settings of a run. */
  public record Settings(Path dir, long seed, Set<Fault.Kind> nemeses, int faults, Duration duration,
      Duration holdMin, Duration holdMax, int clients, Duration recoveryMax) {
    public static final Duration RECOVERY_MAX_DEFAULT = Duration.ofMinutes(3);
  }

  /**
   * What a run saw: faults, operations, what was lost, and per fault how long clients went without
   * an acknowledged commit (the longest gap from the fault to the first commit after recovery).
   */
  public record Result(long seed, String nemeses, int faults, Bank.Verdict verdict, List<Long> unavailableMillis,
      List<Long> recoveryMillis, List<String> unexpectedErrors, String failure) {
    public boolean ok() {
      return failure.isEmpty() && verdict != null && verdict.ok() && unexpectedErrors.isEmpty();
    }
  }

  private final Settings s;
  private final Recorder rec = new Recorder();
  private final PrintWriter log;
  private final Path dir;

  public ChaosRun(Settings s) throws IOException {
    this.s = s;
    this.dir = Files.createDirectories(s.dir());
    this.log = new PrintWriter(Files.newBufferedWriter(dir.resolve("run.log"), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
    Files.writeString(dir.resolve("seed"), Long.toString(s.seed()) + "\n");
  }

  void say(String line) {
    String l = Instant.now() + " " + line;
    log.println(l);
    System.err.println("[chaos] " + line);
  }

  public Result run() throws Exception {
    say("seed " + s.seed() + ", nemeses " + s.nemeses() + ", up to " + s.faults() + " faults in " + s.duration());
    List<Long> unavailable = new ArrayList<>();
    List<Long> recovery = new ArrayList<>();
    int injected = 0;
    String failure = "";
    Bank.Verdict verdict = null;
    try (ChaosCluster c = ChaosCluster.start(dir, 3, this::say)) {
      Bank bank = setUp(c);
      Nemesis nemesis = new Nemesis(s.seed(), s.nemeses(), walGroup(c));
      long end = System.nanoTime() + s.duration().toNanos();
      java.util.Random holds = new java.util.Random(s.seed() + 1);
      try {
        while (injected < s.faults() && System.nanoTime() < end) {
          Fault f = nemesis.next(c);
          long t0 = System.nanoTime();
          rec.invoke(Recorder.NEMESIS, f.kind().name().toLowerCase(Locale.ROOT), Value.of(f.target()));
          f.inject(c);
          rec.ok(Recorder.NEMESIS, f.kind().name().toLowerCase(Locale.ROOT), Value.of(f.target()));
          injected++;
          schedule(injected, f);
          long hold = s.holdMin().toMillis() + holds.nextLong(s.holdMax().toMillis() - s.holdMin().toMillis() + 1);
          Thread.sleep(hold);
          rec.invoke(Recorder.NEMESIS, "heal", Value.of(f.target()));
          f.heal(c);
          rec.ok(Recorder.NEMESIS, "heal", Value.of(f.target()));
          Duration rec0 = c.awaitRecovered(s.recoveryMax());
          recovery.add(rec0.toMillis());
          long whole = System.nanoTime();
          long unavail = rec.longestGapMillis(Bank.F, t0, whole + awaitNextOk(whole) * 1_000_000);
          unavailable.add(unavail);
          say(String.format(Locale.ROOT, "fault %d: %s %s held %d ms; whole again %d ms after healing; longest "
              + "time without a commit from the fault until then %d ms", injected, f.kind(), f.target(), hold,
              rec0.toMillis(), unavail));
        }
      } catch (Exception e) {
        failure = e.toString();
        say("run failed: " + failure);
      }
      bank.stop();
      if (failure.isEmpty()) {
        c.awaitRecovered(s.recoveryMax());
      }
      verdict = bank.check(amcheck(c));
      say("verdict: " + verdict);
      if (verdict.ok()) {
        String control = bank.negativeControls();
        say("checker negative controls: " + (control.isEmpty() ? "a deleted acknowledged row and a broken balance "
            + "were both caught" : control));
        failure = control;
      }
    } catch (Exception e) {
      failure = failure.isEmpty() ? e.toString() : failure;
      say("run failed: " + e);
    } finally {
      rec.write(dir.resolve("history.jsonl"));
    }
    List<String> errors = ErrorLines.unexpected(dir.resolve("logs"));
    errors.forEach(e -> say("unexpected ERROR line: " + e));
    Result r = new Result(s.seed(), s.nemeses().toString(), injected, verdict, unavailable, recovery, errors, failure);
    Files.writeString(dir.resolve("result.json"), Results.json(r));
    say((r.ok() ? "PASS" : "FAIL") + ": " + Results.summary(r));
    return r;
  }

  /** The project, the main branch's compute (woken by the first connection) and the bank's tables. */
  private Bank setUp(ChaosCluster c) throws Exception {
    c.api.post("/v1/projects", new Views.CreateProject(Bank.PROJECT, null), Views.ProjectCreated.class);
    c.api.post("/v1/projects/" + Bank.PROJECT + "/branches/main/compute/start", null, Views.Branch.class);
    Bank bank = new Bank(c.jdbcUrl("main"), rec);
    bank.setup();
    bank.start(s.clients());
    long t0 = System.nanoTime();
    if (awaitNextOk(t0) < 0) {
      throw new IOException("the bank workload committed nothing in its first minute");
    }
    say("bank workload running with " + s.clients() + " clients");
    return bank;
  }

  private static int walGroup(ChaosCluster c) {
    Views.Branch main = c.api.get("/v1/projects/" + Bank.PROJECT + "/branches/main", Views.Branch.class);
    try (WalClient w = c.local.walClient()) {
      return w.groupOf(TimelineId.parse(main.timeline()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Bound on waiting for a commit after a fault; past it the fault made the system unavailable for good. */
  static final Duration NEXT_OK_MAX = Duration.ofMinutes(3);

  /** Milliseconds from {@code fromNanos} to the next acknowledged commit, waiting for it (bounded). */
  private long awaitNextOk(long fromNanos) throws InterruptedException, IOException {
    long deadline = fromNanos + NEXT_OK_MAX.toNanos();
    while (System.nanoTime() < deadline) {
      long ms = rec.millisToNextOk(Bank.F, fromNanos);
      if (ms >= 0) {
        return ms;
      }
      Thread.sleep(50);
    }
    throw new IOException("no commit acknowledged within " + NEXT_OK_MAX.toSeconds() + " s of a fault");
  }

  private void schedule(int n, Fault f) throws IOException {
    Files.writeString(dir.resolve("schedule.jsonl"), "{\"n\":" + n + ",\"kind\":\"" + f.kind() + "\",\"target\":\""
        + f.target().replace("\"", "'") + "\"}\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** pg_amcheck over every table and index of the branch, through the proxy; empty when clean. */
  private String amcheck(ChaosCluster c) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("/usr/lib/postgresql/15/bin/pg_amcheck", "--heapallindexed",
        "--install-missing", "-h", c.local.controlHost(), "-p", Integer.toString(c.local.proxyPort()), "-U",
        "postgres", "postgres").redirectErrorStream(true);
    pb.environment().put("PGOPTIONS", "endpoint=main");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return "pg_amcheck did not finish in 10 minutes";
    }
    return p.exitValue() == 0 ? "" : "pg_amcheck exited " + p.exitValue() + ": " + out.strip();
  }
}
