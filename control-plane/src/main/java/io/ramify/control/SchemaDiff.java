package io.ramify.control;

import java.util.ArrayList;
import java.util.List;

/** A line diff (longest common subsequence) of two schema dumps, as {@code -}/{@code +} lines. */
final class SchemaDiff {
    /** Beyond this many lines on a side, the diff is the plain set difference (the LCS table grows as n·m). */
    static final int LCS_LINES_MAX = 4_000;

    private SchemaDiff() {}

    static List<String> unified(List<String> a, List<String> b, String aName, String bName) {
        List<String> out = new ArrayList<>();
        if (a.equals(b)) {
            return out;
        }
        out.add("--- " + aName);
        out.add("+++ " + bName);
        if (a.size() > LCS_LINES_MAX || b.size() > LCS_LINES_MAX) {
            a.stream().filter(l -> !b.contains(l)).forEach(l -> out.add("-" + l));
            b.stream().filter(l -> !a.contains(l)).forEach(l -> out.add("+" + l));
            return out;
        }
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                i++;
                j++;
            } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
                out.add("+" + b.get(j++));
            } else {
                out.add("-" + a.get(i++));
            }
        }
        return out;
    }
}
