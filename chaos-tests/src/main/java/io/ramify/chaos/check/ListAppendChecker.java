package io.ramify.chaos.check;

import io.ramify.chaos.check.ListAppendOps.Append;
import io.ramify.chaos.check.ListAppendOps.Micro;
import io.ramify.chaos.check.ListAppendOps.Read;
import io.ramify.chaos.check.ListAppendResult.Anomaly;
import io.ramify.chaos.check.ListAppendResult.Kind;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.Operation;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Checks list-append histories (Elle's workload, with a simpler checker written for this harness):
 * transactions append unique values to lists under keys and read whole lists. Because values are
 * unique and lists only grow, every read of a key shows a prefix of the key's one order of appends,
 * so reads can be checked against each other without solving for a serialization order.
 *
 * <p>What it checks, per key, over the reads of transactions that completed OK (see {@link Kind}):
 * each read lists distinct values, each appended by some transaction that did not fail and that
 * began before the read completed; all reads are prefixes of one another (of the longest one); an
 * append acknowledged before a read began is in that read; a read that began after another
 * completed sees at least as much. Failed transactions' reads are ignored (they did not commit)
 * and indeterminate appends may or may not appear.
 *
 * <p>What it does not check: cycles between transactions across keys (G0, G1c, G2 in Adya's
 * terms), which need Elle's dependency graph. The real-time checks assume strict serializability
 * (or linearizable single-key operations), which is what the harness expects of a branch's
 * Postgres and of the catalog.
 */
public final class ListAppendChecker {
    private record Observed(Operation op, Value key, List<Long> values) {}

    public ListAppendResult check(History history) {
        return check(history.operations());
    }

    public ListAppendResult check(List<Operation> operations) {
        Map<Value, Map<Long, Operation>> writers = new LinkedHashMap<>();
        Map<Value, List<Observed>> reads = new LinkedHashMap<>();
        List<Anomaly> out = new ArrayList<>();
        int txns = 0;
        int readCount = 0;
        for (Operation op : operations) {
            if (!op.f().equals(ListAppendOps.TXN)) {
                continue;
            }
            txns++;
            Map<Value, List<Long>> own = new HashMap<>();
            for (Micro m : ListAppendOps.micros(op)) {
                switch (m) {
                    case Append a -> {
                        Operation before = writers.computeIfAbsent(a.key(), k -> new HashMap<>())
                                .putIfAbsent(a.value(), op);
                        if (before != null) {
                            throw new IllegalArgumentException("value " + a.value() + " is appended to key " + a.key()
                                    + " twice (values must be unique per key): " + before + " and " + op);
                        }
                        own.computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a.value());
                    }
                    case Read r
                    when r.values().isPresent() -> {
                        readCount++;
                        Observed o = new Observed(op, r.key(), r.values().get());
                        reads.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(o);
                        internal(o, own.getOrDefault(r.key(), List.of()), out);
                    }
                    case Read r -> {}
                }
            }
        }
        reads.forEach((key, rs) -> {
            Map<Long, Operation> w = writers.getOrDefault(key, Map.of());
            values(rs, w, out);
            order(rs, out);
            lost(rs, w, out);
            stale(rs, out);
        });
        out.sort(Comparator.comparing(Anomaly::kind));
        return new ListAppendResult(out, txns, readCount);
    }

    /** A transaction's read ends with what it appended to the key before (its own writes, in order). */
    private static void internal(Observed r, List<Long> own, List<Anomaly> out) {
        if (own.isEmpty()) {
            return;
        }
        List<Long> v = r.values();
        if (v.size() < own.size() || !v.subList(v.size() - own.size(), v.size()).equals(own)) {
            out.add(new Anomaly(
                    Kind.INTERNAL,
                    r.key(),
                    OptionalLong.empty(),
                    List.of(r.op()),
                    "read " + v + " does not end with the transaction's own appends " + own));
        }
    }

    /** Per value read: not twice in one read, appended by someone, not by a failed or later transaction. */
    private static void values(List<Observed> rs, Map<Long, Operation> writers, List<Anomaly> out) {
        Set<String> reported = new HashSet<>();
        for (Observed r : rs) {
            Set<Long> seen = new HashSet<>();
            for (long v : r.values()) {
                Operation w = writers.get(v);
                if (!seen.add(v)) {
                    report(
                            out,
                            reported,
                            Kind.DUPLICATE,
                            r,
                            v,
                            List.of(r.op()),
                            "read " + r.values() + " lists " + v + " twice");
                } else if (w == null) {
                    report(out, reported, Kind.GARBAGE, r, v, List.of(r.op()), "no transaction appended " + v);
                } else if (w.outcome() instanceof Outcome.Fail) {
                    report(
                            out,
                            reported,
                            Kind.ABORTED_READ,
                            r,
                            v,
                            List.of(r.op(), w),
                            "read " + r.values() + " lists " + v + ", appended by a transaction that failed");
                } else if (w.invokeIndex() > r.op().completeIndex()) {
                    report(
                            out,
                            reported,
                            Kind.FUTURE_READ,
                            r,
                            v,
                            List.of(r.op(), w),
                            "read " + r.values() + " lists " + v
                                    + ", appended by a transaction that began after the read completed");
                }
            }
        }
    }

    private static void report(
            List<Anomaly> out,
            Set<String> reported,
            Kind kind,
            Observed r,
            long v,
            List<Operation> ops,
            String message) {
        if (reported.add(kind + "/" + v)) {
            out.add(new Anomaly(kind, r.key(), OptionalLong.of(v), ops, message));
        }
    }

    /** Every read is a prefix of the longest: one order of the key's appends. */
    private static void order(List<Observed> rs, List<Anomaly> out) {
        Observed longest =
                rs.stream().max(Comparator.comparingInt(r -> r.values().size())).orElseThrow();
        for (Observed r : rs) {
            if (!isPrefix(r.values(), longest.values())) {
                int at = 0;
                while (r.values().get(at).equals(longest.values().get(at))) {
                    at++;
                }
                out.add(new Anomaly(
                        Kind.INCOMPATIBLE_ORDER,
                        r.key(),
                        OptionalLong.empty(),
                        List.of(r.op(), longest.op()),
                        "read " + r.values() + " is not a prefix of read " + longest.values()
                                + " (they differ at position " + at + ")"));
            }
        }
    }

    /** An append acknowledged before a read began is in that read. */
    private static void lost(List<Observed> rs, Map<Long, Operation> writers, List<Anomaly> out) {
        List<Map.Entry<Long, Operation>> acked = writers.entrySet().stream()
                .filter(e -> e.getValue().outcome() instanceof Outcome.Ok)
                .sorted(Comparator.comparingLong(e -> e.getValue().completeIndex()))
                .toList();
        List<Observed> byStart = rs.stream()
                .sorted(Comparator.comparingLong(r -> r.op().invokeIndex()))
                .toList();
        Set<Long> reported = new HashSet<>();
        for (Observed r : byStart) {
            Set<Long> has = new HashSet<>(r.values());
            for (Map.Entry<Long, Operation> a : acked) {
                if (a.getValue().completeIndex() >= r.op().invokeIndex()) {
                    break;
                }
                if (!has.contains(a.getKey()) && reported.add(a.getKey())) {
                    out.add(new Anomaly(
                            Kind.LOST_APPEND,
                            r.key(),
                            OptionalLong.of(a.getKey()),
                            List.of(r.op(), a.getValue()),
                            "append of " + a.getKey() + " was acknowledged before read " + r.values()
                                    + " began, which lacks it"));
                }
            }
        }
    }

    /** A read that began after another completed does not see a strict prefix of it. */
    private static void stale(List<Observed> rs, List<Anomaly> out) {
        List<Observed> byEnd = rs.stream()
                .sorted(Comparator.comparingLong(r -> r.op().completeIndex()))
                .toList();
        List<Observed> byStart = rs.stream()
                .sorted(Comparator.comparingLong(r -> r.op().invokeIndex()))
                .toList();
        Observed most = null;
        int ended = 0;
        for (Observed b : byStart) {
            while (ended < byEnd.size() && byEnd.get(ended).op().completeIndex() < b.op().invokeIndex()) {
                Observed a = byEnd.get(ended++);
                if (most == null || a.values().size() > most.values().size()) {
                    most = a;
                }
            }
            if (most != null && most.values().size() > b.values().size() && isPrefix(b.values(), most.values())) {
                out.add(new Anomaly(
                        Kind.STALE_READ,
                        b.key(),
                        OptionalLong.empty(),
                        List.of(b.op(), most.op()),
                        "read " + b.values() + " began after read " + most.values() + " completed"));
            }
        }
    }

    private static boolean isPrefix(List<Long> a, List<Long> b) {
        return a.size() <= b.size() && b.subList(0, a.size()).equals(a);
    }
}
