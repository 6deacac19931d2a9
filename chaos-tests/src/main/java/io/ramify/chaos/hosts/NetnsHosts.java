package io.ramify.chaos.hosts;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Hosts on one machine: N Linux network namespaces, each with one interface ({@code eth0}) on a
 * bridge the harness creates, and an address of its own; the machine itself (where the harness
 * and its clients run) is on the bridge too. Everything is named after this JVM's pid, so runs
 * side by side do not meet, and is removed by {@link #close()} (also from a shutdown hook, for
 * Ctrl-C); {@link #removeStale()} removes what a killed run left.
 *
 * <p>The network faults are nftables rules in each host's own namespace (table {@code inet
 * chaos}): a cut drops every packet to (and from) an address, silently, as a pulled cable does:
 * senders see timeouts, not errors; loss drops a random share of a host's packets. Delay and
 * reordering would need the kernel's {@code netem} queueing discipline, which this machine's
 * kernel does not have ({@link #netemAvailable()} says whether this one does).
 */
public final class NetnsHosts implements AutoCloseable {
    /** Names start with this; {@link #removeStale()} removes only these. */
    static final String PREFIX = "rfy";
    /** Hosts per run: addresses .1 to .N of the run's /24; .254 is the machine's side of the bridge. */
    public static final int HOSTS_MAX = 16;

    static final String IFACE = "eth0";
    /** The nftables table of the faults, in each host's namespace. */
    static final String TABLE = "chaos";

    /** One host: its network namespace and address. */
    public record Host(int index, String netns, String address) {
        /** {@code cmd} run inside this host's network namespace. */
        public List<String> exec(List<String> cmd) {
            List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", netns));
            out.addAll(cmd);
            return out;
        }
    }

    private final String tag;
    private final String bridge;
    private final String subnet;
    private final List<Host> hosts = new ArrayList<>();
    private final Consumer<String> log;
    private final Thread onExit;
    private boolean closed;

    private NetnsHosts(int n, Consumer<String> log) {
        long pid = ProcessHandle.current().pid();
        this.tag = Long.toString(pid, 36);
        this.bridge = PREFIX + tag + "br";
        this.subnet = "10.211." + (pid % 250) + ".";
        this.log = log;
        for (int i = 1; i <= n; i++) {
            hosts.add(new Host(i, PREFIX + tag + "h" + i, subnet + i));
        }
        this.onExit = new Thread(this::closeQuietly, "netns-hosts-cleanup");
    }

    /** Creates {@code n} hosts on a new bridge; on failure removes what it made. */
    public static NetnsHosts create(int n, Consumer<String> log) throws IOException {
        if (n < 1 || n > HOSTS_MAX) {
            throw new IllegalArgumentException("hosts: 1.." + HOSTS_MAX + ", got " + n);
        }
        NetnsHosts h = new NetnsHosts(n, log);
        Runtime.getRuntime().addShutdownHook(h.onExit);
        try {
            h.make();
        } catch (IOException | RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    private void make() throws IOException {
        Sh.run(List.of("ip", "link", "add", bridge, "type", "bridge"));
        Sh.run(List.of("ip", "addr", "add", machineAddress() + "/24", "dev", bridge));
        Sh.run(List.of("ip", "link", "set", bridge, "up"));
        for (Host h : hosts) {
            String outside = PREFIX + tag + "v" + h.index();
            Sh.run(List.of("ip", "netns", "add", h.netns()));
            Sh.run(List.of("ip", "link", "add", outside, "type", "veth", "peer", "name", IFACE, "netns", h.netns()));
            Sh.run(List.of("ip", "link", "set", outside, "master", bridge, "up"));
            Sh.run(h.exec(List.of("ip", "addr", "add", h.address() + "/24", "dev", IFACE)));
            Sh.run(h.exec(List.of("ip", "link", "set", IFACE, "up")));
            Sh.run(h.exec(List.of("ip", "link", "set", "lo", "up")));
            resetTraffic(h);
        }
        log.accept("hosts: " + hosts.size() + " network namespaces on bridge " + bridge + " (" + subnet + "0/24, the "
                + "machine at " + machineAddress() + ")");
    }

    public List<Host> hosts() {
        return List.copyOf(hosts);
    }

    public Host host(int index) {
        return hosts.get(index - 1);
    }

    /** The machine's own address on the bridge: where the harness's clients come from. */
    public String machineAddress() {
        return subnet + "254";
    }

    /**
     * Drops every packet {@code from} sends to {@code to} (one way); both ways is two calls. Clients
     * on the machine are cut off from a host by cutting it from {@link #machineAddress()}.
     */
    public void cut(Host from, String to) throws IOException {
        Sh.run(from.exec(List.of("nft", "add", "rule", "inet", TABLE, "out", "ip", "daddr", to, "drop")));
        Sh.run(from.exec(List.of("nft", "add", "rule", "inet", TABLE, "in", "ip", "saddr", to, "drop")));
    }

    /** Cuts every host of {@code side} from every host of {@code other}, both ways. */
    public void partition(Collection<Host> side, Collection<Host> other) throws IOException {
        for (Host a : side) {
            for (Host b : other) {
                cut(a, b.address());
                cut(b, a.address());
            }
        }
    }

    /** Drops {@code percent} % of the packets {@code h} sends, at random. */
    public void loss(Host h, int percent) throws IOException {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("loss: 1..100 %, got " + percent);
        }
        Sh.run(h.exec(List.of(
                "nft",
                "add",
                "rule",
                "inet",
                TABLE,
                "out",
                "numgen",
                "random",
                "mod",
                "100",
                "<",
                Integer.toString(percent),
                "drop")));
    }

    /** Whether this kernel has {@code netem} (delay, reordering): probed in a namespace of the run. */
    public boolean netemAvailable() throws IOException {
        Host h = hosts.getFirst();
        boolean ok = Sh.tryRun(h.exec(List.of("tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms")))
                        .exit()
                == 0;
        Sh.tryRun(h.exec(List.of("tc", "qdisc", "del", "dev", "lo", "root")));
        return ok;
    }

    /** Removes every cut and every loss from every host. */
    public void heal() throws IOException {
        for (Host h : hosts) {
            Sh.run(h.exec(List.of("nft", "flush", "table", "inet", TABLE)));
        }
    }

    /** The host's empty chaos table: an output and an input chain that accept all until a fault adds a rule. */
    private static void resetTraffic(Host h) throws IOException {
        Sh.tryRun(h.exec(List.of("nft", "delete", "table", "inet", TABLE)));
        Sh.run(h.exec(List.of("nft", "add", "table", "inet", TABLE)));
        Sh.run(h.exec(List.of("nft", "add", "chain", "inet", TABLE, "out", "{ type filter hook output priority 0; }")));
        Sh.run(h.exec(List.of("nft", "add", "chain", "inet", TABLE, "in", "{ type filter hook input priority 0; }")));
    }

    /** Removes the namespaces and the bridge of runs whose JVM is gone. */
    public static void removeStale() throws IOException {
        Set<String> live = new TreeSet<>();
        ProcessHandle.allProcesses().forEach(p -> live.add(Long.toString(p.pid(), 36)));
        for (String line : Sh.run(List.of("ip", "netns", "list")).lines().toList()) {
            String ns = line.split("\\s+")[0];
            if (ns.startsWith(PREFIX)
                    && ns.contains("h")
                    && !live.contains(ns.substring(PREFIX.length(), ns.lastIndexOf('h')))) {
                Sh.tryRun(List.of("ip", "netns", "delete", ns));
            }
        }
        for (String line : Sh.run(List.of("ip", "-o", "link", "show", "type", "bridge"))
                .lines()
                .toList()) {
            String[] f = line.split(":\\s+");
            if (f.length > 1
                    && f[1].startsWith(PREFIX)
                    && f[1].endsWith("br")
                    && !live.contains(f[1].substring(PREFIX.length(), f[1].length() - 2))) {
                Sh.tryRun(List.of("ip", "link", "delete", f[1]));
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            log.accept("hosts: cleanup failed: " + e.getMessage());
        }
    }

    /** Deletes the namespaces (their veth ends go with them) and the bridge. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != onExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs this anyway
            }
        }
        for (Host h : hosts) {
            Sh.tryRun(List.of("ip", "netns", "delete", h.netns()));
        }
        Sh.tryRun(List.of("ip", "link", "delete", bridge));
        log.accept("hosts: removed " + hosts.size() + " namespaces and bridge " + bridge);
    }
}
