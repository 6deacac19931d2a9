package io.ramify.chaos.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Histories as JSON lines, one event per line, e.g.
 *
 * <pre>
 * {"index":0,"process":1,"type":"invoke","f":"create","value":["dev","main"]}
 * {"index":1,"process":1,"type":"fail","f":"create","value":["dev","main"],"error":"ALREADY_EXISTS"}
 * </pre>
 *
 * {@code error} and {@code time} (wall nanos) are left out when absent; blank lines are skipped.
 */
public final class JsonLines {
    private JsonLines() {}

    public static void write(History h, Writer out) throws IOException {
        for (Op op : h.ops()) {
            out.write(Json.writeOp(op));
            out.write('\n');
        }
    }

    public static void write(History h, Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            write(h, out);
        }
    }

    public static String toText(History h) {
        StringBuilder b = new StringBuilder();
        for (Op op : h.ops()) {
            b.append(Json.writeOp(op)).append('\n');
        }
        return b.toString();
    }

    /** Parses a history; a malformed line fails with its line number. */
    public static History read(Reader in) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<Op> ops = new ArrayList<>();
        int lineNo = 0;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                ops.add(Json.parseOp(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        return History.of(ops);
    }

    public static History read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in);
        }
    }

    public static History parse(String text) {
        try {
            return read(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
