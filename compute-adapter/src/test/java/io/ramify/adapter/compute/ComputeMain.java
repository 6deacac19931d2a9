package io.ramify.adapter.compute;

import io.ramify.common.TimelineId;
import io.ramify.wal.client.WalCluster;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One compute in its own JVM, for tests that kill the adapter with kill -9. Prints
 * {@code ready generation N} once Postgres answers, and {@code ended STATE} when the compute ended
 * by itself (fenced or failed); SIGTERM stops it cleanly.
 */
public final class ComputeMain {
    private ComputeMain() {}

    /** Args: clusterName walNodes groups pageStores timeline mountPoint workDir port osUser uid gid. */
    public static void main(String[] a) throws Exception {
        WalCluster cluster = new WalCluster(a[0], WalCluster.parseNodes(a[1]), Integer.parseInt(a[2]));
        Compute.Config cfg = new Compute.Config(
                cluster,
                Arrays.asList(a[3].split(",")),
                TimelineId.parse(a[4]),
                Path.of(a[5]),
                Path.of(a[6]),
                Integer.parseInt(a[7]),
                a[8],
                Integer.parseInt(a[9]),
                Integer.parseInt(a[10]));
        Compute c = new Compute(cfg).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                c.close();
                System.out.println("stopped cleanly");
            } catch (Exception e) {
                System.out.println("stop failed: " + e);
            }
        }));
        System.out.println("ready generation " + c.generation().value());
        Compute.State end = c.awaitEnd();
        System.out.println("ended " + end + ": " + c.endMessage());
        if (end != Compute.State.STOPPED) {
            System.exit(3);
        }
    }
}
