package io.ramify.chaos;

import io.ramify.chaos.run.CatalogWorkload;
import io.ramify.chaos.run.ChaosRun;
import io.ramify.chaos.run.Fault;
import io.ramify.chaos.run.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/chaos}: one chaos run, or a suite of them; exit 0 only when every run passed. */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs Ramify on hosts in network namespaces (3 ratis-wal nodes hosting the catalog, 2 page-store",
            "shards, the control plane with its proxy and computes; every part a process of the real `ramify`",
            "command), a workload, and a nemesis that injects a fault, holds it, heals it and waits until every",
            "part is whole again, fault after fault. Then checks what the clients saw. Workloads: bank (TPC-B",
            "through the proxy; every acknowledged commit checked against the database) and catalog (branch",
            "create, rename, delete, protect, reset and list through the REST API on one project; the history",
            "checked for linearizability against a model of the catalog). Needs root. Each run writes its seed,",
            "schedule, history (JSON lines), result and the processes' logs to a directory of its own under --dir.",
            "",
            "Example: bin/chaos --workload bank --nemesis kill,partition --duration 10m --seed 7",
            "         bin/chaos --workload catalog --nemesis kill,partition --faults 4 --seed 3"
        })
public final class Chaos implements Callable<Integer> {
    @Option(
            names = "--workload",
            paramLabel = "NAME",
            description = "The workload: bank or catalog (default: " + "${DEFAULT-VALUE}).")
    String workload = "bank";

    @Option(
            names = "--ops",
            paramLabel = "N",
            description = "catalog: operations per run, spread over the faults; the "
                    + "clients and the nemesis stop when they are spent (default: ${DEFAULT-VALUE}).")
    int ops = CatalogWorkload.OPS_DEFAULT;

    @Option(
            names = "--nemesis",
            paramLabel = "KIND,...",
            split = ",",
            description = "Faults to choose from: kill, pause, partition, one_way, loss, wipe (default: all).")
    Set<String> nemesis = Set.of();

    @Option(names = "--faults", paramLabel = "N", description = "Stop after N faults (default: ${DEFAULT-VALUE}).")
    int faults = 20;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "Stop injecting after this long, e.g. 90s, 10m (default: ${DEFAULT-VALUE}).")
    String duration = "10m";

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the nemesis's choices (default: the time).")
    Long seed;

    @Option(names = "--clients", paramLabel = "N", description = "Workload clients (default: ${DEFAULT-VALUE}).")
    int clients = 4;

    @Option(
            names = "--hold",
            paramLabel = "MIN-MAX",
            description = "How long a fault lasts, e.g. 3s-8s (default: " + "${DEFAULT-VALUE}).")
    String hold = "3s-8s";

    @Option(names = "--dir", paramLabel = "DIR", description = "Where runs go (default: ${DEFAULT-VALUE}).")
    Path dir = Path.of("/var/tmp/ramify-chaos");

    @Override
    public Integer call() throws Exception {
        Workload.Kind kind;
        try {
            kind = Workload.Kind.valueOf(workload.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "unknown workload '" + workload + "' (known: bank, catalog)");
        }
        if (ops < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--ops must be at least 1");
        }
        long s = seed != null ? seed : Instant.now().toEpochMilli();
        String[] h = hold.split("-");
        // A fresh directory per run: a node restarted on an earlier run's data would look for peers at that run's
        // addresses.
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC)
                .format(Instant.now());
        ChaosRun.Settings settings = new ChaosRun.Settings(
                dir.resolve("run-" + stamp + "-seed-" + s),
                s,
                kinds(),
                faults,
                duration(duration),
                duration(h[0]),
                duration(h[h.length - 1]),
                clients,
                ChaosRun.Settings.RECOVERY_MAX_DEFAULT,
                kind,
                ops);
        return new ChaosRun(settings).run().ok() ? 0 : 1;
    }

    private Set<Fault.Kind> kinds() {
        if (nemesis.isEmpty()) {
            return EnumSet.allOf(Fault.Kind.class);
        }
        Set<Fault.Kind> out = EnumSet.noneOf(Fault.Kind.class);
        for (String n : nemesis) {
            try {
                out.add(Fault.Kind.valueOf(n.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "unknown nemesis '" + n + "' (known: kill, pause, partition, one_way, loss, wipe)");
            }
        }
        return out;
    }

    /** {@code 90s}, {@code 10m}, {@code 1h} or {@code 500ms}. */
    static Duration duration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("a duration is like 90s, 10m or 1h, not '" + s + "'");
        };
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Chaos()).execute(args));
    }
}
