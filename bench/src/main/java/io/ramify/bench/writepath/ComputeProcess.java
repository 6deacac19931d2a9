package io.ramify.bench.writepath;

import io.ramify.adapter.compute.Compute;
import io.ramify.bench.BenchServers;
import io.ramify.wal.client.WalCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on a {@link ComputeNode}: starts it with the benchmark's class path, waits
 * until its Postgres answers, and asks it for its counts and its FUSE fsync waits. Its stderr (the
 * compute's logs) goes to {@code log}.
 */
final class ComputeProcess implements AutoCloseable {
    /** initdb -k through FUSE on a new root timeline comes first; a busy machine takes minutes. */
    static final Duration START_WAIT_MAX = Duration.ofMinutes(10);

    static final Duration REPLY_WAIT_MAX = Duration.ofMinutes(1);
    static final Duration STOP_WAIT_MAX = Duration.ofMinutes(3);
    static final long HEAP_MIB = 1024;

    private final Process process;
    private final Compute.Config config;
    private final Path log;
    private final PrintStream commands;
    private final BufferedReader replies;

    private ComputeProcess(Process process, Compute.Config config, Path log) {
        this.process = process;
        this.config = config;
        this.log = log;
        this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the compute of {@code config} (its timeline must exist) and waits until it is ready. */
    static ComputeProcess start(Compute.Config config, List<String> shardAddresses, Path log) throws IOException {
        WalCluster wal = config.wal();
        StringBuilder nodes = new StringBuilder();
        for (WalCluster.Node n : wal.nodes()) {
            nodes.append(nodes.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
        }
        List<String> cmd = BenchServers.javaCommand(
                HEAP_MIB + "m",
                BenchServers.serverJavaOptions(),
                ComputeNode.class.getName(),
                List.of(
                        wal.name(),
                        nodes.toString(),
                        Integer.toString(wal.groupCount()),
                        String.join(",", shardAddresses),
                        config.timeline().hex(),
                        config.mountPoint().toString(),
                        config.workDir().toString(),
                        Integer.toString(config.port()),
                        config.osUser(),
                        Integer.toString(config.uid()),
                        Integer.toString(config.gid())));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        ComputeProcess c = new ComputeProcess(p, config, log);
        try {
            c.expect("ready", START_WAIT_MAX);
        } catch (IOException | RuntimeException e) {
            c.kill();
            throw e;
        }
        return c;
    }

    long pid() {
        return process.pid();
    }

    long postmasterPid() throws IOException {
        return Long.parseLong(
                Files.readString(config.workDir().resolve("postgres.pid")).trim());
    }

    /** Throws unless the compute process still runs. */
    void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException(
                    "the compute process exited (" + process.exitValue() + "); its log " + log + " ends:\n" + tail());
        }
    }

    /** Every counter's and timer's count in the compute's registry now. */
    Map<String, Long> counts() throws IOException {
        commands.println("counts");
        String[] f = expect("counts", REPLY_WAIT_MAX).split(" ");
        Map<String, Long> out = new TreeMap<>();
        for (int i = 1; i < f.length; i++) {
            int eq = f[i].lastIndexOf('=');
            out.put(f[i].substring(0, eq), Long.parseLong(f[i].substring(eq + 1)));
        }
        return out;
    }

    /** FUSE fsync waits (nanoseconds) since the last call, and how many the compute had no room for. */
    RecordingReservoir.Drained drainFsyncs() throws IOException {
        commands.println("fsync");
        String[] f = expect("fsync", REPLY_WAIT_MAX).split(" ");
        long[] v = new long[f.length - 2];
        for (int i = 2; i < f.length; i++) {
            v[i - 2] = Long.parseLong(f[i]);
        }
        return new RecordingReservoir.Drained(v, Long.parseLong(f[1]));
    }

    /** Reads the next reply line, which must start with {@code word}, within {@code max}. */
    private String expect(String word, Duration max) throws IOException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!replies.ready()) {
            if (!process.isAlive()) {
                throw new IOException("the compute process exited (" + process.exitValue() + ") before answering '"
                        + word + "'; its log " + log + " ends:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the compute process did not answer '" + word + "' within " + max + "; its log "
                        + log + " ends:\n" + tail());
            }
            sleep(5);
        }
        String line = replies.readLine();
        if (line == null || !(line.equals(word) || line.startsWith(word + " "))) {
            throw new IOException("the compute process answered '" + line + "' instead of '" + word + "'");
        }
        return line;
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(STOP_WAIT_MAX.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Clean stop (Postgres's shutdown checkpoint, every op durable, unmount); killed if it hangs. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        try {
            commands.println("stop");
            expect("stopped", STOP_WAIT_MAX);
            process.waitFor(STOP_WAIT_MAX.toSeconds(), TimeUnit.SECONDS);
        } catch (IOException | RuntimeException e) {
            WritePathBench.progress("stopping the compute process: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (process.isAlive()) {
                kill();
            }
        }
    }
}
