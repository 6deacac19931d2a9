package io.ramify.cli;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ramify down}: stops what {@code ramify up} started, cleanly, in reverse order. */
@Command(
        name = "down",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Stops the processes `ramify up` started: first the control plane (which shuts every compute down",
            "cleanly), then the page stores, then the ratis-wal nodes. Data stays; `ramify up` resumes it."
        })
public final class DownCommand implements Callable<Integer> {
    /** How long each process may take to stop after SIGTERM before it is killed. */
    static final Duration STOP_WAIT_MAX = Duration.ofMinutes(5);

    @Mixin
    DataDirOption dataDir = new DataDirOption();

    @Override
    public Integer call() throws Exception {
        Local local = dataDir.installation();
        List<String> order = new ArrayList<>(local.names());
        java.util.Collections.reverse(order);
        int killed = 0;
        for (String name : order) {
            Optional<ProcessHandle> h = local.running(name);
            if (h.isEmpty()) {
                Files.deleteIfExists(local.pidFile(name));
                continue;
            }
            System.err.println("[down] stopping " + name + " (pid " + h.get().pid() + ")");
            h.get().destroy();
            try {
                h.get().onExit().get(STOP_WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                System.err.println("[down] " + name + " did not stop within " + STOP_WAIT_MAX + "; killing it (see "
                        + local.log(name) + ")");
                h.get().destroyForcibly();
                killed++;
            }
            Files.deleteIfExists(local.pidFile(name));
        }
        System.err.println(
                "[down] stopped" + (killed == 0 ? "" : " (" + killed + " killed)") + "; data kept in " + local.dir);
        return killed == 0 ? 0 : 1;
    }
}
