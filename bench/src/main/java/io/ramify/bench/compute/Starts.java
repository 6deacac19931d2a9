package io.ramify.bench.compute;

import com.codahale.metrics.Timer;
import io.ramify.adapter.compute.Compute;
import io.ramify.adapter.compute.PostgresProcess;
import io.ramify.testsupport.VanillaPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Starts of both systems timed from outside, the same way for each: from the moment the start is
 * asked for until a {@code SELECT 1} is answered, with the phases each one's own log shows
 * (Postgres's server log for both, the mount appearing for Ramify).
 */
final class Starts {
  static final Duration RUNNING_WAIT_MAX = Duration.ofMinutes(2);

  private Starts() {}

  /**
   * One start. Times are milliseconds from the request; NaN where a phase does not apply
   * ({@code stopMillis}: the stop before it; {@code createMillis}: creating a fork until both
   * shards know it; {@code mountMillis}: claim, load the view and mount; {@code loadMillis}: of
   * that, listing the view and reading pg_control).
   */
  record Sample(String system, String what, double stopMillis, double createMillis, double mountMillis,
      double loadMillis, double firstAnswerMillis, double returnedMillis, PgLog.Start log) {}

  record Started(Compute compute, Sample sample) {}

  static Endpoint endpoint(Compute.Config c) {
    return new Endpoint("Ramify " + c.timeline().shortForm(), c.workDir().resolve("socket"), c.port());
  }

  static Path log(Compute.Config c) {
    return c.workDir().resolve("postgres.log");
  }

  /** {@code new Compute(config).start()}, timed: mount, Postgres's start, first answer. */
  static Started compute(Compute.Config config, String what, double stopMillis, double createMillis)
      throws IOException, SQLException, InterruptedException {
    long mark = PgLog.mark(log(config));
    Compute c = new Compute(config);
    try (MountWatch watch = MountWatch.start(config.mountPoint())) {
      long t0 = System.nanoTime();
      CompletableFuture<Long> returned = CompletableFuture.supplyAsync(() -> {
        try {
          c.start();
          return System.nanoTime();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      long answered;
      try {
        answered = Sql.awaitFirstAnswer(endpoint(config), () -> !returned.isCompletedExceptionally());
      } catch (SQLException e) {
        join(returned); // its failure says more than "no answer"
        throw e;
      }
      long done = join(returned);
      Timer load = c.metrics().timer("adapter.load");
      double loadMillis = load.getCount() == 0 ? Double.NaN : load.getSnapshot().getMax() / 1e6;
      return new Started(c, new Sample("Ramify", what, stopMillis, createMillis, ms(t0, watch.seenNanos()), loadMillis,
          ms(t0, answered), ms(t0, done), PgLog.read(log(config), mark)));
    }
  }

  /**
   * kill -9 of the compute's Postgres; its supervisor makes the mount's ops durable and starts
   * Postgres again on the same mount (crash recovery). Timed from the moment the killed
   * postmaster is gone.
   */
  static Sample computeCrash(Compute c, Compute.Config config, String what)
      throws IOException, SQLException, InterruptedException {
    long mark = PgLog.mark(log(config));
    c.postgres().kill();
    long t0 = System.nanoTime();
    long answered = Sql.awaitFirstAnswer(endpoint(config), () -> c.state() == Compute.State.RUNNING
        || c.state() == Compute.State.RESTARTING);
    long deadline = System.nanoTime() + RUNNING_WAIT_MAX.toNanos();
    while (c.state() != Compute.State.RUNNING) {
      if (System.nanoTime() > deadline || c.state() != Compute.State.RESTARTING) {
        throw new IOException("the compute did not return to RUNNING after its Postgres was killed: " + c.state()
            + " " + c.endMessage());
      }
      Thread.sleep(10);
    }
    return new Sample("Ramify", what, Double.NaN, Double.NaN, Double.NaN, Double.NaN, ms(t0, answered), Double.NaN,
        PgLog.read(log(config), mark));
  }

  /** {@code pg_ctl start} without waiting, then the same polling as for Ramify. */
  static Sample vanilla(VanillaPostgres v, Endpoint e, String what, double stopMillis)
      throws IOException, SQLException, InterruptedException {
    long mark = PgLog.mark(v.logFile());
    StringBuilder o = new StringBuilder("-p ").append(v.port()).append(" -k ").append(v.socketDir())
        .append(" -c listen_addresses=127.0.0.1");
    PostgresProcess.ENFORCED.forEach((k, val) -> o.append(" -c ").append(k).append('=').append(val));
    long t0 = System.nanoTime();
    v.run("pg_ctl", "-D", v.dataDir().toString(), "-l", v.logFile().toString(), "-W", "-o", o.toString(), "start");
    long answered = Sql.awaitFirstAnswer(e, () -> true);
    return new Sample("vanilla", what, stopMillis, Double.NaN, Double.NaN, Double.NaN, ms(t0, answered), Double.NaN,
        PgLog.read(v.logFile(), mark));
  }

  static long join(CompletableFuture<Long> f) throws IOException {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw e;
    }
  }

  static double ms(long from, long to) {
    return to == 0 ? Double.NaN : (to - from) / 1e6;
  }
}
