package io.ramify.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.chaos.run.CatalogWorkload;
import io.ramify.chaos.run.ChaosRun;
import io.ramify.chaos.run.Fault;
import io.ramify.chaos.run.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The catalog workload under a short run: 4 clients creating, renaming, deleting, protecting,
 * resetting and listing branches of one project through the REST API while a seeded nemesis kills
 * and partitions parts (WAL leaders and followers, shards, the control plane), 3 faults; the
 * history must be linearizable against the catalog's model (UNKNOWN is no pass), every part whole
 * again after each fault, and the checker must reject the run's own history with a branch dropped
 * from a read that must have listed it (its negative control). {@code -Dchaos.seed=N} replays a
 * run's choices; {@code bin/chaos --workload catalog} runs longer ones.
 */
@Tag("integration")
class ChaosCatalogTest {
    static final int FAULTS = 3;
    static final int OPS = 300;
    /** Clients wait out the faults (a partitioned API answers nothing), so a short run does fewer than OPS. */
    static final int ACKNOWLEDGED_MIN = 20;

    @Test
    void branchOperationsStayLinearizableThroughKillsAndPartitions() throws Exception {
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
        System.out.println("chaos seed " + seed + " (replay with -Dchaos.seed=" + seed + ")");
        Path dir = Path.of("target", "chaos", "catalog-seed-" + seed).toAbsolutePath();
        ChaosRun.Result r = new ChaosRun(new ChaosRun.Settings(
                        dir,
                        seed,
                        EnumSet.of(Fault.Kind.KILL, Fault.Kind.PARTITION),
                        FAULTS,
                        Duration.ofMinutes(2),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        4,
                        ChaosRun.Settings.RECOVERY_MAX_DEFAULT,
                        Workload.Kind.CATALOG,
                        OPS))
                .run();
        assertTrue(r.ok(), "chaos run " + r.outcome() + " (seed " + seed + ", history and logs in " + dir + "): " + r);
        assertTrue(r.faults() >= 2, "too few faults injected: " + r.faults());
        CatalogWorkload.Verdict v = (CatalogWorkload.Verdict) r.verdict();
        assertTrue(v.acknowledged() >= ACKNOWLEDGED_MIN, "too few operations acknowledged: " + v.summary());
        assertEquals(
                0,
                v.unexpectedAnswers().size(),
                "answers with codes the model does not know: " + v.unexpectedAnswers());
    }
}
