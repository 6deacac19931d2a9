package io.ramify.bench.branching;

import io.ramify.bench.BenchDataDir;
import io.ramify.bench.MachineFacts;
import io.ramify.control.Views;
import io.ramify.testsupport.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The proxy's costs on the whole system: cold start (connect through the proxy to a branch whose
 * compute is stopped, until the first result) and the proxy's overhead on {@code pgbench -S}
 * against connecting to the compute directly, runs interleaved in one process so the ratio is
 * taken on the same machine state.
 */
@Command(
        name = "proxy",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmarks the proxy: cold-start latency of a stopped branch (connect to first result) and the",
            "overhead on pgbench -S TPS through the proxy vs directly to the compute. Markdown report on stdout."
        })
public final class ProxyBench implements Callable<Integer> {
    static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    @Option(names = "--cold-starts", description = "Cold starts measured (default: ${DEFAULT-VALUE}).")
    int coldStarts = 10;

    @Option(names = "--clients", description = "pgbench -S clients (default: ${DEFAULT-VALUE}).")
    int clients = 4;

    @Option(names = "--seconds", description = "Seconds per pgbench -S run (default: ${DEFAULT-VALUE}).")
    int seconds = 20;

    @Option(names = "--rounds", description = "Interleaved direct/proxy pgbench rounds (default: ${DEFAULT-VALUE}).")
    int rounds = 2;

    @Option(names = "--data-dir", description = "Parent of the run's data directory (default: bench/target).")
    Path dataParent;

    @Override
    public Integer call() throws Exception {
        BenchDataDir.run("proxy-", dataParent, false, BranchCreateBench::progress, this::run);
        return 0;
    }

    private void run(Path dir, Path root) throws Exception {
        MachineFacts facts = MachineFacts.collect(dir, root);
        Stack started = Stack.start(dir, "1g", BranchCreateBench::progress, "px");
        try (Stack s = started) {
            int proxy = s.proxyPort();
            s.api.post("/v1/projects", new Views.CreateProject("px", null), Views.ProjectCreated.class);
            Views.Branch main = s.api.post("/v1/projects/px/branches/main/compute/start", null, Views.Branch.class);
            int direct = main.compute().port();
            BranchCreateBench.progress("pgbench -i -s 1 on main");
            Pg.pgbenchInit(direct, 1, Duration.ofMinutes(10), l -> {});
            List<Double> directTps = new ArrayList<>();
            List<Double> proxyTps = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                BranchCreateBench.progress("round " + (r + 1) + ": pgbench -S direct, then through the proxy");
                directTps.add(pgbench("host=127.0.0.1 port=" + direct));
                proxyTps.add(pgbench("host=127.0.0.1 port=" + proxy + " options=endpoint=main"));
            }
            s.api.post(
                    "/v1/projects/px/branches",
                    new Views.CreateBranch("cold", "main", null, null, null),
                    Views.Branch.class);
            long[] cold = new long[coldStarts];
            for (int i = 0; i < coldStarts; i++) {
                s.api.post("/v1/projects/px/branches/cold/compute/stop", null, Views.Branch.class);
                long t0 = System.nanoTime();
                String one = psql("host=127.0.0.1 port=" + proxy + " options=endpoint=cold", "SELECT 1");
                cold[i] = System.nanoTime() - t0;
                if (!one.equals("1")) {
                    throw new IllegalStateException("cold start " + i + " answered '" + one + "'");
                }
                BranchCreateBench.progress(String.format(Locale.ROOT, "cold start %d: %.0f ms", i + 1, cold[i] / 1e6));
            }
            String metrics = s.api.getText("/v1/metrics");
            Arrays.sort(cold);
            double d = directTps.stream().mapToDouble(x -> x).average().orElseThrow();
            double p = proxyTps.stream().mapToDouble(x -> x).average().orElseThrow();
            StringBuilder out = new StringBuilder();
            out.append("### Result\n\n");
            facts.markdown().forEach(l -> out.append(l).append('\n'));
            out.append('\n');
            out.append(String.format(
                    Locale.ROOT, "pgbench -S -c %d -j 2 -T %d on main (scale 1), interleaved:%n%n", clients, seconds));
            out.append("| path | TPS per round | mean TPS |\n|---|---|---:|\n");
            out.append(String.format(Locale.ROOT, "| direct to the compute | %s | %.0f |%n", fmt(directTps), d));
            out.append(String.format(Locale.ROOT, "| through the proxy | %s | %.0f |%n", fmt(proxyTps), p));
            out.append(String.format(Locale.ROOT, "%nproxy / direct = **%.2f**%n%n", p / d));
            out.append(String.format(
                    Locale.ROOT,
                    "Cold start through the proxy (compute stopped cleanly; psql connect to"
                            + " the first result of SELECT 1), %d samples: p50 **%.1f s**, p99 (max) **%.1f s**, min %.1f s%n%n",
                    coldStarts,
                    cold[coldStarts / 2] / 1e9,
                    cold[coldStarts - 1] / 1e9,
                    cold[0] / 1e9));
            out.append("Proxy metrics after the run:\n\n```\n");
            metrics.lines()
                    .filter(l -> l.startsWith("ramify_proxy_") && !l.startsWith("# "))
                    .forEach(l -> out.append(l).append('\n'));
            out.append("```\n");
            System.out.print(out);
        } finally {
            // The stack is closed by now: the control plane has stopped the computes and unmounted them.
            try {
                BenchDataDir.deleteTree(started.computes);
            } catch (java.io.IOException e) {
                BranchCreateBench.progress(
                        "could not delete " + started.computes + " (a compute still mounted?): " + e);
            }
        }
    }

    private static String fmt(List<Double> l) {
        return String.join(
                ", ", l.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList());
    }

    private double pgbench(String conninfo) {
        Processes.Result r = Processes.exec(
                List.of(
                        Pg.BIN.resolve("pgbench").toString(),
                        "-S",
                        "-n",
                        "-c",
                        Integer.toString(clients),
                        "-j",
                        "2",
                        "-T",
                        Integer.toString(seconds),
                        conninfo + " user=postgres dbname=postgres"),
                Duration.ofSeconds(seconds + 120),
                Path.of("/tmp"),
                Map.of());
        Matcher m = TPS.matcher(r.stdout());
        if (r.exitCode() != 0 || !m.find() || !r.stdout().contains("number of failed transactions: 0")) {
            throw new IllegalStateException("pgbench failed: " + r.describe());
        }
        return Double.parseDouble(m.group(1));
    }

    private static String psql(String conninfo, String sql) {
        Processes.Result r = Processes.exec(
                List.of(
                        Pg.BIN.resolve("psql").toString(),
                        "-X",
                        "-A",
                        "-t",
                        "-d",
                        conninfo + " user=postgres dbname=postgres",
                        "-c",
                        sql),
                Duration.ofMinutes(5),
                Path.of("/tmp"),
                Map.of());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("psql failed: " + r.describe());
        }
        return r.stdout().trim();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProxyBench()).execute(args));
    }
}
