package io.ramify.chaos;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogModel.Project;
import io.ramify.common.TimelineId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Catalog commits that remember what was acknowledged: creates projects one after another and
 * records each whose creation returned. A creation that failed (the catalog did not answer within
 * the client's bounded retries) may or may not have happened; it is not counted.
 */
final class AckedProjects implements AutoCloseable {
    private final CatalogClient client;
    private final Duration pause;
    private final ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
    private final AtomicLong ackedCount = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean running = true;
    private final Thread thread;

    AckedProjects(CatalogClient client, Duration pause) {
        this.client = client;
        this.pause = pause;
        thread = Thread.ofPlatform().name("acked-projects").start(this::run);
    }

    private void run() {
        for (long n = 0; running; n++) {
            String name = "p" + n;
            try {
                client.createProject(name, TimelineId.random(), 0);
                acked.add(name);
                ackedCount.incrementAndGet();
            } catch (RuntimeException e) {
                failures.incrementAndGet();
            }
            WalNodes.sleep(pause.toMillis());
        }
    }

    long acked() {
        return ackedCount.get();
    }

    long failures() {
        return failures.get();
    }

    /** Acknowledged projects the catalog does not list; empty when none is lost. */
    List<String> missing() {
        List<String> want = new ArrayList<>(acked);
        Set<String> have = new HashSet<>();
        for (Project p : client.listProjects()) {
            have.add(p.name());
        }
        return want.stream().filter(n -> !have.contains(n)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(120));
    }
}
