package io.ramify.chaos.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A run's result as JSON (result.json) and as one line for people. */
final class Results {
    private Results() {}

    static String summary(ChaosRun.Result r) {
        Workload.Verdict v = r.verdict();
        String ops = v == null ? "no verdict" : v.summary();
        return String.format(
                Locale.ROOT,
                "seed %d, %s, %d faults (%s); %s; unavailable p50 %d / max %d ms; recovered "
                        + "p50 %d / max %d ms; %d unexpected ERROR lines%s",
                r.seed(),
                r.workload(),
                r.faults(),
                r.nemeses(),
                ops,
                percentile(r.unavailableMillis(), 50),
                percentile(r.unavailableMillis(), 100),
                percentile(r.recoveryMillis(), 50),
                percentile(r.recoveryMillis(), 100),
                r.unexpectedErrors().size(),
                r.failure().isEmpty() ? "" : "; failed: " + r.failure());
    }

    static long percentile(List<Long> xs, int p) {
        if (xs.isEmpty()) {
            return -1;
        }
        List<Long> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - (p == 0 ? 0 : 1)));
    }

    static String json(ChaosRun.Result r) {
        Workload.Verdict v = r.verdict();
        StringBuilder b = new StringBuilder("{");
        b.append("\"seed\":")
                .append(r.seed())
                .append(",\"workload\":")
                .append(str(r.workload()))
                .append(",\"nemeses\":")
                .append(str(r.nemeses()));
        b.append(",\"faults\":").append(r.faults()).append(",\"ok\":").append(r.ok());
        if (v != null) {
            b.append(',').append(v.jsonFields());
        }
        b.append(",\"unavailableMillis\":")
                .append(r.unavailableMillis())
                .append(",\"recoveryMillis\":")
                .append(r.recoveryMillis())
                .append(",\"unexpectedErrors\":")
                .append(list(r.unexpectedErrors()))
                .append(",\"failure\":")
                .append(str(r.failure()))
                .append("}\n");
        return b.toString();
    }

    static String list(List<String> xs) {
        List<String> q = xs.stream().map(Results::str).toList();
        return "[" + String.join(",", q) + "]";
    }

    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(c < 0x20 ? ' ' : c);
            }
        }
        return b.append('"').toString();
    }
}
