package io.ramify.chaos.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The ERROR lines of Ramify's own loggers in a run's process logs that no entry of the allow-list
 * ({@code chaos-allowed-errors.tsv}: a regular expression matched against "logger - message", a
 * tab, the reason it is expected under faults) names. Any other ERROR fails the run.
 */
public final class ErrorLines {
    static final Pattern LINE = Pattern.compile("^\\S+ ERROR +\\[(.*?)\\] (\\S+) - (.*)$");
    static final Pattern OURS = Pattern.compile("^i(o)?\\.r(amify)?\\..*");
    /** Lines reported at most; a run that floods its logs fails on the first ones anyway. */
    static final int REPORTED_MAX = 50;

    private ErrorLines() {}

    record Allowed(Pattern pattern, String reason) {}

    static List<Allowed> allowList() throws IOException {
        List<Allowed> out = new ArrayList<>();
        try (InputStream in = ErrorLines.class.getResourceAsStream("/chaos-allowed-errors.tsv")) {
            if (in == null) {
                return out;
            }
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList()) {
                if (!l.isBlank() && !l.startsWith("#")) {
                    String[] f = l.split("\t", 2);
                    if (f.length != 2 || f[1].isBlank()) {
                        throw new IllegalStateException(
                                "chaos-allowed-errors.tsv: each entry needs a pattern, a tab and a reason: " + l);
                    }
                    out.add(new Allowed(Pattern.compile(f[0]), f[1]));
                }
            }
        }
        return out;
    }

    /** The unexpected lines of every {@code *.log} under {@code logs}, as "file: logger - message". */
    public static List<String> unexpected(Path logs) throws IOException {
        List<Allowed> allowed = allowList();
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(logs)) {
            return out;
        }
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                for (String l : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
                    Matcher m = LINE.matcher(l);
                    if (m.matches() && OURS.matcher(m.group(2)).matches()) {
                        String what = m.group(2) + " - " + m.group(3);
                        if (allowed.stream()
                                        .noneMatch(
                                                a -> a.pattern().matcher(what).find())
                                && out.size() < REPORTED_MAX) {
                            out.add(f.getFileName() + ": " + what);
                        }
                    }
                }
            }
        }
        return out;
    }
}
