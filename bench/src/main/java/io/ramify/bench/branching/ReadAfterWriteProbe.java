package io.ramify.bench.branching;

import io.ramify.bench.BenchDataDir;
import io.ramify.catalog.client.CatalogClient;
import io.ramify.control.Views;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times linearizable catalog reads ({@code getProject}) on an idle stack: back to back, spaced
 * out, and right after a catalog write. Written to reproduce the ~0.5 s stalls that
 * {@code bench/branch-create} saw in reads that follow a write (about one Raft heartbeat interval
 * with ratis-wal's 1 s minimum election timeout). Run with the bench's class path, no arguments;
 * prints one line per pattern on stdout.
 */
public final class ReadAfterWriteProbe {
    static final String PROJECT = "probe";
    static final int READS = 40;
    static final long STALL_NANOS = 400_000_000L;

    private ReadAfterWriteProbe() {}

    interface Step {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        BenchDataDir.run("read-probe-", null, false, System.err::println, (dir, root) -> probe(dir));
        System.exit(0);
    }

    private static void probe(Path dir) throws Exception {
        try (Stack s = Stack.start(dir, "1g", System.err::println, null);
                CatalogClient c = s.catalogClient()) {
            new Rest(s.api.base().getPort())
                    .post("/v1/projects", new Views.CreateProject(PROJECT, null), Views.ProjectCreated.class);
            boolean[] on = {false};
            Step write = () -> {
                on[0] = !on[0];
                c.withRequestId(CatalogClient.newRequestId()).setProtected(PROJECT, "main", on[0]);
            };
            Step read = () -> c.getProject(PROJECT);
            time("warm-up reads", READS, () -> {}, read);
            time("reads back to back", READS, () -> {}, read);
            time("reads 300 ms apart", READS, () -> Thread.sleep(300), read);
            time("writes (setProtected) back to back", READS, () -> {}, write);
            time("a read right after a write", READS, write, read);
            time(
                    "a read 150 ms after a write",
                    READS,
                    () -> {
                        write.run();
                        Thread.sleep(150);
                    },
                    read);
            BenchDataDir.deleteTree(s.computes);
        }
    }

    private static void time(String what, int n, Step before, Step timed) throws Exception {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            before.run();
            long t0 = System.nanoTime();
            timed.run();
            v[i] = System.nanoTime() - t0;
        }
        Arrays.sort(v);
        System.out.println(String.format(
                Locale.ROOT,
                "%-36s n=%d p50 %.1f ms, p90 %.1f ms, max %.1f ms; over 400 ms: %d",
                what,
                n,
                v[(n - 1) / 2] / 1e6,
                v[n * 9 / 10 - 1] / 1e6,
                v[n - 1] / 1e6,
                Arrays.stream(v).filter(x -> x > STALL_NANOS).count()));
    }
}
