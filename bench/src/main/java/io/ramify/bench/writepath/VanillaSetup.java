package io.ramify.bench.writepath;

import io.ramify.adapter.compute.PostgresProcess;
import io.ramify.bench.compute.CpuMeter;
import io.ramify.bench.compute.Endpoint;
import io.ramify.bench.compute.Sides;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Stock Postgres 15 on the local disk, alone: the baseline. */
final class VanillaSetup implements Setup {
    static final String KEY = "vanilla";
    private final Sides.Vanilla pg;

    VanillaSetup(Path dir) {
        pg = new Sides.Vanilla(dir);
        pg.pg.start(PostgresProcess.ENFORCED); // as the compute runs its Postgres
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public String title() {
        return "vanilla";
    }

    @Override
    public Endpoint endpoint() {
        return pg.endpoint;
    }

    @Override
    public Map<String, Long> cpuTicks() throws IOException {
        return Map.of("postgres", CpuMeter.treeTicks(pg.postmasterPid()));
    }

    @Override
    public Map<String, List<Long>> syncNodes(Map<Long, long[]> table) throws IOException {
        return Map.of("postgres", Setup.tree(table, pg.postmasterPid()));
    }

    @Override
    public void close() {
        pg.pg.close();
    }
}
