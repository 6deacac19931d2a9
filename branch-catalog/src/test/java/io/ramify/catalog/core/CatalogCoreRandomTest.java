package io.ramify.catalog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ramify.catalog.proto.AcquireLease;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.DeleteBranch;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.catalog.proto.ExpireBranches;
import io.ramify.catalog.proto.ListTimelines;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.ReleaseLease;
import io.ramify.catalog.proto.RenameBranch;
import io.ramify.catalog.proto.RenewLease;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.ResetBranch;
import io.ramify.catalog.proto.RestoreBranch;
import io.ramify.catalog.proto.SetEndpoint;
import io.ramify.catalog.proto.SetExpiry;
import io.ramify.catalog.proto.SetProtected;
import io.ramify.catalog.proto.TimelineRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random command sequences over a small set of names, so that most rules are hit both ways. The
 * harness checks after every command that a refusal changed nothing and an accepted command kept
 * the tree invariants; this test adds that retries are answered without change, that lease
 * generations only grow, and that two replicas fed the same log end byte for byte equal. A
 * failure names its seed; rerun that seed to replay it exactly.
 */
class CatalogCoreRandomTest {
    static final String[] NAMES = {"main", "dev", "a", "b", "c", "d", "bk1", "bk2"};
    static final int COMMANDS_PER_SEED = 600;

    /** Accepted and refused commands of each kind, over all seeds: the sequences must hit both. */
    final Map<String, int[]> outcomes = new java.util.TreeMap<>();

    @Test
    void randomHistoriesKeepTheInvariants() {
        for (long seed = 1; seed <= 5; seed++) {
            run(seed);
        }
        for (Command.KindCase k : Command.KindCase.values()) {
            if (k == Command.KindCase.KIND_NOT_SET
                    || k == Command.KindCase.CREATE_PROJECT
                    || k == Command.KindCase.DELETE_PROJECT
                    || k == Command.KindCase.SET_IDLE_TIMEOUT) {
                continue;
            }
            int[] o = outcomes.getOrDefault(k.name(), new int[2]);
            assertTrue(
                    o[0] > 0 && (o[1] > 0 || k == Command.KindCase.EXPIRE_BRANCHES),
                    k + " accepted " + o[0] + " and refused " + o[1] + " times: " + tally());
        }
    }

    String tally() {
        StringBuilder sb = new StringBuilder();
        outcomes.forEach((k, o) ->
                sb.append(k).append(' ').append(o[0]).append('/').append(o[1]).append("  "));
        return sb.toString();
    }

    void run(long seed) {
        Random rnd = new Random(seed);
        CoreHarness a = new CoreHarness();
        CoreHarness b = new CoreHarness();
        a.project("p");
        b.project("p");
        Map<ByteString, Long> generations = new HashMap<>();
        String lastId = null;
        Command.Builder last = null;
        boolean lastAccepted = false;
        for (int i = 0; i < COMMANDS_PER_SEED; i++) {
            a.now += rnd.nextInt(2000);
            b.now = a.now;
            String id;
            Command.Builder c;
            if (last != null && rnd.nextInt(10) == 0) {
                id = lastId;
                c = last;
            } else {
                id = "s" + seed + "-" + i;
                c = randomCommand(rnd, a);
            }
            Map<String, String> before = a.dump();
            Reply ra = a.run(id, c);
            Reply rb = b.run(id, c);
            assertEquals(ra, rb, "seed " + seed + " step " + i + ": replicas answer alike");
            if (id.equals(lastId) && lastAccepted) {
                assertTrue(ra.getDuplicate(), "seed " + seed + " step " + i + ": a retry is recognised");
                assertEquals(before, a.dump(), "seed " + seed + " step " + i + ": a retry changes nothing");
            }
            if (ra.hasLease() && !ra.getDuplicate()) {
                Long prev = generations.put(
                        ra.getLease().getTimeline(), ra.getLease().getGeneration());
                assertTrue(
                        prev == null || ra.getLease().getGeneration() >= prev, "seed " + seed + ": generations grow");
            }
            outcomes.computeIfAbsent(c.getKindCase().name(), k -> new int[2])[ra.hasRejected() ? 1 : 0]++;
            lastId = id;
            last = c;
            lastAccepted = !ra.hasRejected();
        }
        assertEquals(a.dump(), b.dump(), "seed " + seed + ": replicas end equal");
    }

    static Command.Builder randomCommand(Random rnd, CoreHarness h) {
        String x = pick(rnd);
        String y = pick(rnd);
        // Any timeline of the project, tombstones included, so leases are refused on deleted ones too.
        List<TimelineRecord> all = h.query(QueryRequest.newBuilder()
                        .setListTimelines(ListTimelines.newBuilder().setProject("p")))
                .getTimelines()
                .getTimelinesList();
        ByteString tl = all.get(rnd.nextInt(all.size())).getId();
        long lsn = 1 + rnd.nextInt(10_000);
        return switch (rnd.nextInt(13)) {
            case 0, 1, 2 -> CoreHarness.createBranch("p", x, y, h.spec(lsn));
            case 3 ->
                Command.newBuilder()
                        .setResetBranch(ResetBranch.newBuilder()
                                .setProject("p")
                                .setBranch(x)
                                .setTimeline(h.spec(lsn)));
            case 4 ->
                Command.newBuilder()
                        .setRestoreBranch(RestoreBranch.newBuilder()
                                .setProject("p")
                                .setBranch(x)
                                .setTimeline(h.spec(lsn))
                                .setBackupName(y));
            case 5 ->
                Command.newBuilder()
                        .setRenameBranch(RenameBranch.newBuilder()
                                .setProject("p")
                                .setBranch(x)
                                .setNewName(y));
            case 6, 7 ->
                Command.newBuilder()
                        .setDeleteBranch(
                                DeleteBranch.newBuilder().setProject("p").setBranch(x));
            case 8 ->
                Command.newBuilder()
                        .setSetProtected(SetProtected.newBuilder()
                                .setProject("p")
                                .setBranch(x)
                                .setProtected(rnd.nextInt(3) == 0));
            case 9 ->
                Command.newBuilder()
                        .setSetExpiry(SetExpiry.newBuilder()
                                .setProject("p")
                                .setBranch(x)
                                .setExpiresAtMillis(rnd.nextBoolean() ? 0 : h.now + rnd.nextInt(20_000)));
            case 10 ->
                Command.newBuilder()
                        .setExpireBranches(ExpireBranches.newBuilder().setMax(1 + rnd.nextInt(3)));
            case 11 ->
                switch (rnd.nextInt(3)) {
                    case 0 ->
                        Command.newBuilder()
                                .setAcquireLease(AcquireLease.newBuilder()
                                        .setTimeline(tl)
                                        .setHolder(x)
                                        .setTtlMillis(20_000)
                                        .setOnlyIfFree(rnd.nextBoolean()));
                    case 1 ->
                        Command.newBuilder()
                                .setRenewLease(RenewLease.newBuilder()
                                        .setTimeline(tl)
                                        .setGeneration(rnd.nextInt(4))
                                        .setTtlMillis(5_000));
                    default ->
                        Command.newBuilder()
                                .setReleaseLease(ReleaseLease.newBuilder()
                                        .setTimeline(tl)
                                        .setGeneration(rnd.nextInt(4)));
                };
            default ->
                Command.newBuilder()
                        .setSetEndpoint(SetEndpoint.newBuilder()
                                .setProject("p")
                                .setBranch(x)
                                .setHost("h")
                                .setPort(5432)
                                .setState(EndpointState.forNumber(1 + rnd.nextInt(5))));
        };
    }

    static String pick(Random rnd) {
        return NAMES[rnd.nextInt(NAMES.length)];
    }
}
