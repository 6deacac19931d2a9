package io.ramify.bench.writepath;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ratis-wal nodes' Prometheus {@code /metrics} at one moment: per Raft group, the commit index
 * ({@code wal.group<i>.commit_index}, a gauge) and the bytes its state machine appended
 * ({@code wal.group_<id8>.appended_bytes}, a counter every replica keeps as it applies). Per
 * group the maximum over the nodes is taken: the leader's commit index, the furthest applied
 * replica's bytes.
 */
final class WalScrape {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /**
     * Per group (by index): commit index and appended bytes; and over all groups and nodes, the
     * queries answered (page stores' reads, listings, the compute's status reads) and how many of
     * them were long polls that waited for an append.
     */
    record Snapshot(long[] commitIndex, long[] appendedBytes, long queries, long longPolls) {}

    private WalScrape() {}

    /** {@code groupIds8[i]}: the first 8 characters of group i's UUID, as its counters are named. */
    static Snapshot read(List<Integer> metricsPorts, List<String> groupIds8) throws IOException {
        int groups = groupIds8.size();
        long[] commit = new long[groups];
        long[] bytes = new long[groups];
        java.util.Arrays.fill(commit, -1);
        java.util.Arrays.fill(bytes, -1);
        long queries = 0;
        long longPolls = 0;
        for (int port : metricsPorts) {
            Map<String, Double> m = metrics(port);
            for (int g = 0; g < groups; g++) {
                String id8 = groupIds8.get(g);
                commit[g] = Math.max(commit[g], value(m, "ramify_wal_group" + g + "_commit_index", port));
                bytes[g] = Math.max(bytes[g], value(m, "ramify_wal_group_" + id8 + "_appended_bytes_total", port));
                queries += value(m, "ramify_wal_group_" + id8 + "_queries_total", port);
                longPolls += value(m, "ramify_wal_group_" + id8 + "_long_polls_total", port);
            }
        }
        return new Snapshot(commit, bytes, queries, longPolls);
    }

    private static long value(Map<String, Double> m, String name, int port) throws IOException {
        Double v = m.get(name);
        if (v == null) {
            throw new IOException("ratis-wal node metrics on port " + port + " have no " + name);
        }
        return v.longValue();
    }

    private static Map<String, Double> metrics(int port) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(TIMEOUT)
                .build();
        HttpResponse<String> r;
        try {
            r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() != 200) {
            throw new IOException("GET " + req.uri() + ": HTTP " + r.statusCode());
        }
        Map<String, Double> out = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            try {
                out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            } catch (RuntimeException e) {
                // a line this reader does not need (a summary's quantile, say)
            }
        }
        return out;
    }

    /** Groups' ids as the counters name them. */
    static List<String> ids8(io.ramify.wal.client.WalCluster wal) {
        List<String> out = new ArrayList<>();
        for (int g = 0; g < wal.groupCount(); g++) {
            out.add(wal.groupId(g).getUuid().toString().substring(0, 8));
        }
        return out;
    }
}
