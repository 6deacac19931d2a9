package io.ramify.cluster;

import io.ramify.common.server.ServerOptions;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Ramify on one machine, on loopback: ratis-wal nodes (optionally hosting the branch catalog),
 * page-store shards and the control plane, each a {@link Part} with its own data directory under
 * one root, in this JVM or as OS processes. The one way tests, benchmarks and {@code ramify up}
 * start a cluster, as Ratis's {@code MiniRaftCluster} or Neon's {@code NeonEnvBuilder} are there:
 *
 * <pre>{@code
 * try (LocalCluster c = LocalCluster.builder(dir).catalog().shards(2).control(computes).start()) {
 *   ApiClient api = new ApiClient(c.apiUrl());
 *   ...
 *   c.walNode(1).kill();      // (a node in a process of its own)
 * }
 * }</pre>
 *
 * <p>Parts start in dependency order: every WAL node at once (a restarting Raft node may need its
 * peers), then a leader in every WAL group, then the shards, then the control plane. A part that
 * fails to start stops every part this fixture started, newest first, and the error names the part
 * and the line of its log that says why. {@link #close()} stops the parts the same way.
 */
public final class LocalCluster implements AutoCloseable {
    /** Where a part runs. */
    public enum Placement {
        IN_JVM,
        PROCESS
    }

    /** Bound on every WAL group having a leader after the nodes are up. */
    public static final Duration WAL_READY_MAX = Duration.ofMinutes(2);
    /** Bound on moving every group's leadership to its preferred node, when asked. */
    public static final Duration LEADER_BALANCE_MAX = Duration.ofSeconds(60);

    private static final long POLL_MILLIS = 100;

    private final Builder spec;
    private final WalCluster wal;
    private final List<Part> walNodes = new ArrayList<>();
    private final List<Part> shards = new ArrayList<>();
    private final List<String> shardAddresses = new ArrayList<>();
    private final Part control;
    private final int apiPort;
    private final int proxyPort;

    private LocalCluster(Builder b) {
        this.spec = b;
        List<WalCluster.Node> nodes = new ArrayList<>();
        for (int i = 0; i < b.walNodes; i++) {
            nodes.add(
                    new WalCluster.Node("n" + i, b.hostOf.apply("wal-n" + i), b.ports.port("wal.n" + i + ".port", 0)));
        }
        wal = new WalCluster(b.name, nodes, b.walGroups > 0 ? b.walGroups : b.walNodes);
        for (int i = 0; i < b.walNodes; i++) {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("node-id", "n" + i);
            o.put("nodes", nodesSpec());
            o.put("cluster-name", b.name);
            o.put("groups", Integer.toString(wal.groupCount()));
            o.put("data-dir", b.dir.resolve("wal-n" + i).toString());
            o.put("metrics-port", Integer.toString(b.ports.port("wal.n" + i + ".metrics-port", 0)));
            if (b.catalog) {
                o.put("host", "catalog");
            }
            o.putAll(b.walOptions.apply(i));
            walNodes.add(part("wal-n" + i, "wal-server", o, b.walPlacement));
        }
        for (int s = 0; s < b.shards; s++) {
            int port = b.ports.port("shard." + s + ".port", 0);
            String host = b.hostOf.apply("page-store-" + s);
            shardAddresses.add(host + ":" + port);
            Map<String, String> o = new LinkedHashMap<>();
            o.put("shard", Integer.toString(s));
            o.put("of", Integer.toString(b.shards));
            o.putAll(walOptionsForClients());
            o.put("data-dir", b.dir.resolve("page-store-" + s).toString());
            o.put("host", host);
            o.put("port", Integer.toString(port));
            o.put("metrics-port", Integer.toString(b.ports.port("shard." + s + ".metrics-port", 0)));
            o.putAll(b.shardOptions.apply(s));
            shards.add(part("page-store-" + s, "page-store", o, b.shardPlacement));
        }
        if (b.computeDir != null) {
            apiPort = b.ports.port("api.port", 0);
            proxyPort = b.proxy ? b.ports.port("proxy.port", 0) : -1;
            Map<String, String> o = new LinkedHashMap<>();
            o.putAll(walOptionsForClients());
            o.put("page-stores", String.join(",", shardAddresses));
            String host = b.hostOf.apply("control");
            o.put("listen", host + ":" + apiPort);
            o.put("proxy-listen", b.proxy ? host + ":" + proxyPort : "off");
            o.put("compute-dir", b.computeDir.toString());
            o.put("compute-host", host);
            o.putAll(b.controlOptions);
            control = part("control", "control", o, b.controlPlacement);
        } else {
            control = null;
            apiPort = -1;
            proxyPort = -1;
        }
    }

    private Part part(String name, String role, Map<String, String> options, Placement placement) {
        return new Part(
                name,
                role,
                new ServerOptions(options),
                Path.of(options.getOrDefault("data-dir", spec.dir.resolve(name).toString())),
                spec.logs.resolve(name + ".log"),
                placement,
                spec.launcher,
                spec.progress);
    }

    private Map<String, String> walOptionsForClients() {
        return Map.of(
                "wal-nodes",
                nodesSpec(),
                "wal-cluster-name",
                spec.name,
                "wal-groups",
                Integer.toString(wal.groupCount()));
    }

    /** The ratis-wal nodes as {@code ID=HOST:PORT,...}, as {@code --nodes} and {@code --wal-nodes} take them. */
    public String nodesSpec() {
        StringBuilder b = new StringBuilder();
        for (WalCluster.Node n : wal.nodes()) {
            b.append(b.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
        }
        return b.toString();
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Starts every part not found running; on failure stops what it started and rethrows. */
    public LocalCluster start() throws IOException {
        try {
            List<Part.Waiter> waits = new ArrayList<>();
            for (Part p : walNodes) {
                if (!adopted(p)) {
                    waits.add(p.startAsync());
                }
            }
            for (Part.Waiter w : waits) {
                Part.await(w);
            }
            if (!walNodes.isEmpty()) {
                awaitWalGroups();
                if (spec.balanceLeaders) {
                    balanceLeaders();
                }
            }
            for (Part p : shards) {
                if (!adopted(p)) {
                    p.start();
                }
            }
            if (control != null && !adopted(control)) {
                control.start();
            }
            return this;
        } catch (IOException | RuntimeException | Error e) {
            stopStarted("start failed");
            throw e;
        }
    }

    private boolean adopted(Part p) {
        Optional<ProcessHandle> running = spec.alreadyRunning.apply(p.name()).filter(ProcessHandle::isAlive);
        running.ifPresent(h -> {
            p.adopt(h);
            spec.progress.accept(p.name() + " is running (pid " + h.pid() + ")");
        });
        return running.isPresent();
    }

    /** Every WAL group answers a query, so each has a leader. */
    public void awaitWalGroups() throws IOException {
        long deadline = System.nanoTime() + WAL_READY_MAX.toNanos();
        try (WalClient c = walClient()) {
            while (true) {
                try {
                    WalClient.await(c.listTimelines());
                    return;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException(
                                "ratis-wal groups have no leader after " + WAL_READY_MAX.toSeconds() + " s: "
                                        + e.getMessage(),
                                e);
                    }
                    sleep(POLL_MILLIS);
                }
            }
        }
    }

    /**
     * Moves each group's leadership to its preferred node (group g on node g mod N) and waits until it
     * is there: a leader spends about twice a follower's CPU per commit, and a hand-over in the middle
     * of a measurement stalls appends. Not balanced in time is reported, not an error.
     */
    public boolean balanceLeaders() throws IOException {
        try (WalClient c = walClient()) {
            boolean balanced = c.awaitBalancedLeaders(LEADER_BALANCE_MAX);
            spec.progress.accept(
                    balanced
                            ? "ratis-wal leaders spread over the nodes"
                            : "ratis-wal leaders not all on "
                                    + "their preferred nodes after " + LEADER_BALANCE_MAX.toSeconds()
                                    + " s (the cluster works; one node does "
                                    + "more of the work)");
            return balanced;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public WalClient walClient() {
        return WalClient.connect(wal, WalClientConfig.DEFAULT);
    }

    public WalCluster wal() {
        return wal;
    }

    public Path dir() {
        return spec.dir;
    }

    public Part walNode(int i) {
        return walNodes.get(i);
    }

    public List<Part> walNodes() {
        return List.copyOf(walNodes);
    }

    public Part shard(int s) {
        return shards.get(s);
    }

    public List<Part> shards() {
        return List.copyOf(shards);
    }

    /** The shards' gRPC addresses, {@code HOST:PORT}, in shard order. */
    public List<String> shardAddresses() {
        return List.copyOf(shardAddresses);
    }

    public Part control() {
        if (control == null) {
            throw new IllegalStateException("this cluster has no control plane (builder.control(computeDir))");
        }
        return control;
    }

    /** The REST API's base URL, {@code http://HOST:PORT}. */
    public String apiUrl() {
        control();
        return "http://" + spec.hostOf.apply("control") + ":" + apiPort;
    }

    /** The address the control plane, its proxy and its computes listen on. */
    public String controlHost() {
        return spec.hostOf.apply("control");
    }

    /** The proxy's Postgres port; -1 without a proxy. */
    public int proxyPort() {
        return proxyPort;
    }

    /** Every part, in start order. */
    public List<Part> parts() {
        List<Part> all = new ArrayList<>(walNodes);
        all.addAll(shards);
        if (control != null) {
            all.add(control);
        }
        return all;
    }

    /** Stops the parts this fixture started (not those it found running), newest first. */
    private void stopStarted(String why) {
        List<Part> all = parts();
        for (int i = all.size() - 1; i >= 0; i--) {
            Part p = all.get(i);
            if (p.startedHere() && p.running()) {
                spec.progress.accept(why + ": stopping " + p.name());
                try {
                    p.stop();
                } catch (IOException | RuntimeException e) {
                    spec.progress.accept("stopping " + p.name() + " failed: " + e);
                }
            }
        }
    }

    /** Stops every running part cleanly, newest first: the control plane (its computes with it), shards, nodes. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        List<Part> all = parts();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                if (all.get(i).running()) {
                    all.get(i).stop();
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Chooses a port for each named endpoint ({@code wal.n0.port}, {@code api.port}, …). */
    @FunctionalInterface
    public interface Ports {
        int port(String key, int preferred);

        /** Free loopback ports, never the same twice in this process. */
        static Ports free() {
            return (key, preferred) -> FreePorts.next();
        }
    }

    /** What to start and how; {@link #start()} starts it. */
    public static final class Builder {
        private final Path dir;
        private Path logs;
        private String name = "ramify";
        private Function<String, String> hostOf = name -> "127.0.0.1";
        private int walNodes = 3;
        private int walGroups;
        private boolean catalog;
        private Function<Integer, Map<String, String>> walOptions = i -> Map.of();
        private int shards;
        private Function<Integer, Map<String, String>> shardOptions = s -> Map.of();
        private Path computeDir;
        private boolean proxy;
        private final Map<String, String> controlOptions = new LinkedHashMap<>();
        private Placement walPlacement = Placement.IN_JVM;
        private Placement shardPlacement = Placement.IN_JVM;
        private Placement controlPlacement = Placement.IN_JVM;
        private Launcher launcher = Launcher.java(io.ramify.common.server.ServerMain.class.getName());
        private Ports ports = Ports.free();
        private boolean balanceLeaders;
        private Consumer<String> progress = s -> {};
        private Function<String, Optional<ProcessHandle>> alreadyRunning = n -> Optional.empty();

        private Builder(Path dir) {
            this.dir = dir.toAbsolutePath().normalize();
            this.logs = this.dir.resolve("logs");
        }

        /** Names the Raft groups (default {@code ramify}). */
        public Builder name(String n) {
            name = n;
            return this;
        }

        /** ratis-wal nodes (default 3) and WAL groups (default: one per node). */
        public Builder walNodes(int nodes, int groups) {
            walNodes = nodes;
            walGroups = groups;
            return this;
        }

        /** The WAL nodes host the branch catalog's group too (as {@code ramify wal-server} always does). */
        public Builder catalog() {
            catalog = true;
            return this;
        }

        /** Extra {@code wal-server} options of node i, e.g. {@code snapshot-every-entries}. */
        public Builder walOptions(Function<Integer, Map<String, String>> perNode) {
            walOptions = perNode;
            return this;
        }

        public Builder shards(int n) {
            shards = n;
            return this;
        }

        /** Extra {@code page-store} options of shard s, e.g. {@code history-window-minutes}. */
        public Builder shardOptions(Function<Integer, Map<String, String>> perShard) {
            shardOptions = perShard;
            return this;
        }

        /** The control plane, its computes under {@code computeDir} (which the Postgres OS user must traverse). */
        public Builder control(Path computes) {
            computeDir = computes;
            return this;
        }

        /** Extra {@code control} options, e.g. {@code os-user}, {@code idle-check-ms}, {@code proxy-tls-cert}. */
        public Builder controlOption(String key, String value) {
            controlOptions.put(key, value);
            return this;
        }

        /** The control plane also runs the Postgres proxy. */
        public Builder proxy() {
            proxy = true;
            return this;
        }

        public Builder walIn(Placement p) {
            walPlacement = p;
            return this;
        }

        public Builder shardsIn(Placement p) {
            shardPlacement = p;
            return this;
        }

        public Builder controlIn(Placement p) {
            controlPlacement = p;
            return this;
        }

        /** Every part in a process of its own. */
        public Builder allProcesses() {
            return walIn(Placement.PROCESS).shardsIn(Placement.PROCESS).controlIn(Placement.PROCESS);
        }

        public Builder launcher(Launcher l) {
            launcher = l;
            return this;
        }

        /** Where process logs go (default {@code DIR/logs}), one {@code NAME.log} per part. */
        public Builder logs(Path dirOfLogs) {
            logs = dirOfLogs;
            return this;
        }

        public Builder ports(Ports p) {
            ports = p;
            return this;
        }

        /** Every part on {@code h} (default 127.0.0.1). */
        public Builder host(String h) {
            hostOf = name -> h;
            return this;
        }

        /** Each part on an address of its own, by part name: hosts in network namespaces (chaos-tests). */
        public Builder hostOf(Function<String, String> byPart) {
            hostOf = byPart;
            return this;
        }

        /** Spread the WAL groups' leaders over the nodes before starting the shards. */
        public Builder balanceLeaders() {
            balanceLeaders = true;
            return this;
        }

        /** Where each step is reported (default: nowhere). */
        public Builder progress(Consumer<String> p) {
            progress = p;
            return this;
        }

        /** A part's process already running (found by {@code ramify up} in its pid files): adopted, not started. */
        public Builder alreadyRunning(Function<String, Optional<ProcessHandle>> running) {
            alreadyRunning = running;
            return this;
        }

        /** The cluster with its parts named, ports chosen and nothing started. */
        public LocalCluster build() {
            if (walNodes < 1 || (walGroups < 0)) {
                throw new IllegalArgumentException("need at least one ratis-wal node, got " + walNodes);
            }
            if (computeDir != null && shards < 1) {
                throw new IllegalArgumentException("the control plane needs page-store shards");
            }
            return new LocalCluster(this);
        }

        /** Builds and starts every part; waits until each serves. */
        public LocalCluster start() throws IOException {
            return build().start();
        }
    }
}
