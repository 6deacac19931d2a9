package io.ramify.cluster;

import io.ramify.common.server.RunningServer;
import io.ramify.common.server.ServerOptions;
import io.ramify.common.server.ServerRole;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One server of a {@link LocalCluster}: a ratis-wal node, a page-store shard or the control plane,
 * with its name ({@code wal-n0}, {@code page-store-1}, {@code control}), options, data directory
 * and ports fixed for its life, so a stopped or killed part restarts as the same server. It runs
 * in this JVM or as an OS process of its own, logging to {@link #log()}.
 */
public final class Part {
    /** Bound on a process printing {@code ready: } (a first start of a node elects leaders for several groups). */
    public static final Duration READY_WAIT_MAX = Duration.ofMinutes(3);
    /** Bound on a clean stop (SIGTERM) before the process is killed. */
    public static final Duration STOP_WAIT_MAX = Duration.ofSeconds(30);
    /** The line a server prints once it serves, as every {@code ramify} server subcommand does. */
    public static final String READY_PREFIX = "ready: ";

    private static final long POLL_MILLIS = 50;

    private final String name;
    private final String role;
    private final ServerOptions options;
    private final Path dataDir;
    private final Path log;
    private LocalCluster.Placement placement;
    private final Launcher launcher;
    private final Consumer<String> progress;
    private RunningServer inJvm;
    private ProcessHandle process;
    private boolean startedHere;

    Part(
            String name,
            String role,
            ServerOptions options,
            Path dataDir,
            Path log,
            LocalCluster.Placement placement,
            Launcher launcher,
            Consumer<String> progress) {
        this.name = name;
        this.role = role;
        this.options = options;
        this.dataDir = dataDir;
        this.log = log;
        this.placement = placement;
        this.launcher = launcher;
        this.progress = progress;
    }

    public String name() {
        return name;
    }

    public String role() {
        return role;
    }

    public ServerOptions options() {
        return options;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The process's output (its log), appended to across restarts; unused for a part in this JVM. */
    public Path log() {
        return log;
    }

    public synchronized LocalCluster.Placement placement() {
        return placement;
    }

    /**
     * Where the part runs from its next start: a test may run a shard in a process it kills mid-work,
     * then restart it in this JVM to look inside it. Only while it is stopped.
     */
    public synchronized void place(LocalCluster.Placement p) {
        if (running()) {
            throw new IllegalStateException(name + " is running: stop it before moving it");
        }
        placement = p;
    }

    public synchronized boolean running() {
        return inJvm != null || (process != null && process.isAlive());
    }

    /** Whether this part was started by this fixture (not found running, as {@code ramify up} finds one). */
    public synchronized boolean startedHere() {
        return startedHere;
    }

    /** The process, when the part runs in one. */
    public synchronized Optional<ProcessHandle> process() {
        return Optional.ofNullable(process).filter(ProcessHandle::isAlive);
    }

    /** The server object of a part in this JVM, for tests that look inside it. */
    public synchronized <T> T server(Class<T> type) {
        if (inJvm == null) {
            throw new IllegalStateException(
                    name + " is " + (placement == LocalCluster.Placement.PROCESS ? "a process" : "stopped")
                            + ": no server object in this JVM");
        }
        return type.cast(inJvm.server());
    }

    /** Takes a process found running (e.g. recorded in a pid file) as this part, instead of starting one. */
    synchronized void adopt(ProcessHandle running) {
        process = running;
        startedHere = false;
    }

    /** Starts the part and waits until it serves. */
    public void start() throws IOException {
        await(startAsync());
    }

    /**
     * Starts the part; the returned wait returns once it serves. Raft nodes restarting together must
     * all be started before any can be waited for: a node may need its peers to come up.
     */
    public synchronized Waiter startAsync() throws IOException {
        if (running()) {
            throw new IllegalStateException(name + " is running");
        }
        Files.createDirectories(dataDir);
        startedHere = true;
        if (placement == LocalCluster.Placement.IN_JVM) {
            inJvm = ServerRole.named(role).start(options);
            progress.accept(name + " ready: " + inJvm.describe());
            return () -> {};
        }
        Files.createDirectories(log.getParent());
        long before = Files.exists(log) ? Files.size(log) : 0;
        ProcessLogs.register(log);
        Process p = new ProcessBuilder(launcher.command(name, role, options.asArgs()))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        process = p.toHandle();
        progress.accept("starting " + name + " (pid " + p.pid() + ", log " + log + ")");
        long deadline = System.nanoTime() + READY_WAIT_MAX.toNanos();
        return () -> awaitReady(p, before, deadline);
    }

    /** Waits for a process's {@code ready: } line after {@code from}; fails with the log's reason if it exits. */
    private void awaitReady(Process p, long from, long deadline) throws IOException {
        try {
            while (true) {
                String out = tail(from);
                Optional<String> ready =
                        out.lines().filter(l -> l.startsWith(READY_PREFIX)).findFirst();
                if (ready.isPresent()) {
                    progress.accept(name + " " + ready.get());
                    return;
                }
                if (!p.isAlive()) {
                    throw new IOException(name + " exited with " + p.exitValue() + " while starting: " + cause(out)
                            + " (its log: " + log + ")");
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            name + " not ready after " + READY_WAIT_MAX.toSeconds() + " s; see its log " + log);
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + name + " was starting", e);
        }
    }

    private String tail(long from) throws IOException {
        byte[] all = Files.readAllBytes(log);
        int start = (int) Math.min(from, all.length);
        return new String(all, start, all.length - start, StandardCharsets.UTF_8);
    }

    /** The line of a failed process's output that says why: its last {@code error: } line, else its last line. */
    public static String cause(String output) {
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("error: ")) {
                return lines.get(i).substring("error: ".length());
            }
        }
        return lines.isEmpty() ? "(no output)" : lines.getLast().strip();
    }

    /** Stops the part cleanly (close in this JVM; SIGTERM, then SIGKILL after {@link #STOP_WAIT_MAX}). */
    public synchronized void stop() throws IOException {
        if (inJvm != null) {
            RunningServer s = inJvm;
            inJvm = null;
            s.close();
            return;
        }
        if (process != null) {
            ProcessHandle p = process;
            process = null;
            p.destroy();
            if (!waitExit(p, STOP_WAIT_MAX)) {
                progress.accept(
                        name + " did not stop within " + STOP_WAIT_MAX.toSeconds() + " s of SIGTERM: killing it");
                p.destroyForcibly();
                waitExit(p, STOP_WAIT_MAX);
            }
        }
    }

    /** {@code kill -9}: no clean shutdown, whatever was not synced is lost. Only for a part in a process. */
    public synchronized void kill() {
        if (placement != LocalCluster.Placement.PROCESS) {
            throw new IllegalStateException(name + " runs in this JVM: it cannot be killed, only stopped");
        }
        if (process != null) {
            ProcessHandle p = process;
            process = null;
            p.destroyForcibly();
            waitExit(p, STOP_WAIT_MAX);
        }
    }

    /** SIGSTOP: the process hangs, as a machine that stopped answering. */
    public void pause() throws IOException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException {
        signal("CONT");
    }

    private void signal(String sig) throws IOException {
        ProcessHandle p = process().orElseThrow(() -> new IllegalStateException(name + " has no running process"));
        try {
            Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start();
            if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
                throw new IOException("kill -" + sig + " " + p.pid() + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static boolean waitExit(ProcessHandle p, Duration max) {
        CompletableFuture<ProcessHandle> exit = p.onExit();
        try {
            exit.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static void await(Waiter w) throws IOException {
        w.await();
    }

    @Override
    public String toString() {
        return name + (running() ? "" : " (stopped)");
    }

    /** Waits until a starting part serves. */
    @FunctionalInterface
    public interface Waiter {
        void await() throws IOException;
    }
}
