package io.ramify.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.chaos.run.ChaosRun;
import io.ramify.chaos.run.Fault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The short chaos suite of the default test command: the bank workload on hosts in network
 * namespaces while a seeded nemesis kills, pauses and partitions parts (WAL leaders and followers,
 * shards, the control plane), a few faults of each; every acknowledged commit must be there, none
 * that was not attempted, the balance invariant and pg_amcheck clean, every part whole again after
 * each fault, and the checker must catch a deleted acknowledged row and a broken balance at the
 * end (its negative controls). {@code -Dchaos.seed=N} replays a run's choices; {@code bin/chaos}
 * runs longer ones.
 */
@Tag("integration")
class ChaosShortSuiteTest {
    static final int FAULTS = 6;

    @Test
    void bankSurvivesKillsPausesAndPartitions() throws Exception {
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
        System.out.println("chaos seed " + seed + " (replay with -Dchaos.seed=" + seed + ")");
        Path dir = Path.of("target", "chaos", "run-seed-" + seed).toAbsolutePath();
        ChaosRun.Result r = new ChaosRun(new ChaosRun.Settings(
                        dir,
                        seed,
                        EnumSet.of(Fault.Kind.KILL, Fault.Kind.PAUSE, Fault.Kind.PARTITION),
                        FAULTS,
                        Duration.ofMinutes(4),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        3,
                        ChaosRun.Settings.RECOVERY_MAX_DEFAULT))
                .run();
        assertTrue(r.ok(), "chaos run failed (seed " + seed + ", history and logs in " + dir + "): " + r);
        assertTrue(r.faults() >= 3, "too few faults injected: " + r.faults());
        assertEquals(0, r.verdict().lost().size());
    }
}
