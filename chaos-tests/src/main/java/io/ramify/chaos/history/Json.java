package io.ramify.chaos.history;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The flat JSON of history lines, by hand: chaos-tests' main code has no JSON library on its
 * classpath, and the format is small: one object per line whose fields are integers, strings and
 * {@link Value}s (null, booleans, integers, strings, arrays; no nested objects, no fractions).
 */
final class Json {
    private Json() {}

    static String write(Value v) {
        StringBuilder b = new StringBuilder();
        write(v, b);
        return b.toString();
    }

    static String writeOp(Op op) {
        StringBuilder b = new StringBuilder(64);
        b.append("{\"index\":").append(op.index()).append(",\"process\":").append(op.process());
        b.append(",\"type\":");
        string(op.type().name().toLowerCase(java.util.Locale.ROOT), b);
        b.append(",\"f\":");
        string(op.f(), b);
        b.append(",\"value\":");
        write(op.value(), b);
        if (op.error().isPresent()) {
            b.append(",\"error\":");
            string(op.error().get(), b);
        }
        if (op.timeNanos().isPresent()) {
            b.append(",\"time\":").append(op.timeNanos().getAsLong());
        }
        return b.append('}').toString();
    }

    private static void write(Value v, StringBuilder b) {
        switch (v) {
            case Value.Nil n -> b.append("null");
            case Value.Bool x -> b.append(x.value());
            case Value.Int x -> b.append(x.value());
            case Value.Str x -> string(x.value(), b);
            case Value.Seq x -> {
                b.append('[');
                for (int i = 0; i < x.items().size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    write(x.items().get(i), b);
                }
                b.append(']');
            }
        }
    }

    private static void string(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Parses one history line; errors name the column and what was expected. */
    static Op parseOp(String line) {
        Map<String, Value> fields = new Parser(line).object();
        Op.Type type = type(required(fields, "type").text());
        Value error = fields.getOrDefault("error", Value.NIL);
        Value time = fields.getOrDefault("time", Value.NIL);
        for (String k : fields.keySet()) {
            if (!List.of("index", "process", "type", "f", "value", "error", "time")
                    .contains(k)) {
                throw new IllegalArgumentException("unknown field '" + k + "'");
            }
        }
        long process = required(fields, "process").number();
        if (process != (int) process) {
            throw new IllegalArgumentException("process " + process + " does not fit an int");
        }
        return new Op(
                required(fields, "index").number(),
                (int) process,
                type,
                required(fields, "f").text(),
                fields.getOrDefault("value", Value.NIL),
                error instanceof Value.Nil ? Optional.empty() : Optional.of(error.text()),
                time instanceof Value.Nil ? OptionalLong.empty() : OptionalLong.of(time.number()));
    }

    private static Op.Type type(String name) {
        for (Op.Type t : Op.Type.values()) {
            if (t.name().toLowerCase(java.util.Locale.ROOT).equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("type '" + name + "' is not one of invoke, ok, fail, info");
    }

    private static Value required(Map<String, Value> fields, String name) {
        Value v = fields.get(name);
        if (v == null) {
            throw new IllegalArgumentException("field '" + name + "' is missing");
        }
        return v;
    }

    /** A recursive-descent parser over one line. */
    private static final class Parser {
        private final String s;
        private int at;

        Parser(String s) {
            this.s = s;
        }

        Map<String, Value> object() {
            Map<String, Value> out = new LinkedHashMap<>();
            expect('{');
            if (!peek('}')) {
                do {
                    String key = string();
                    expect(':');
                    if (out.put(key, value()) != null) {
                        throw error("field '" + key + "' appears twice");
                    }
                } while (take(','));
            }
            expect('}');
            skipSpace();
            if (at != s.length()) {
                throw error("text after the object");
            }
            return out;
        }

        Value value() {
            skipSpace();
            if (at >= s.length()) {
                throw error("a value");
            }
            char c = s.charAt(at);
            return switch (c) {
                case '"' -> new Value.Str(string());
                case '[' -> array();
                case 'n' -> literal("null", Value.NIL);
                case 't' -> literal("true", Value.of(true));
                case 'f' -> literal("false", Value.of(false));
                case '{' -> throw error("a value (objects are not values in this format)");
                default -> number();
            };
        }

        private Value array() {
            expect('[');
            List<Value> items = new ArrayList<>();
            if (!peek(']')) {
                do {
                    items.add(value());
                } while (take(','));
            }
            expect(']');
            return new Value.Seq(items);
        }

        private Value literal(String word, Value v) {
            if (!s.startsWith(word, at)) {
                throw error("'" + word + "'");
            }
            at += word.length();
            return v;
        }

        private Value number() {
            int start = at;
            if (at < s.length() && s.charAt(at) == '-') {
                at++;
            }
            while (at < s.length() && Character.isDigit(s.charAt(at))) {
                at++;
            }
            if (at == start || (at == start + 1 && s.charAt(start) == '-')) {
                throw error("a value");
            }
            if (at < s.length() && ".eE".indexOf(s.charAt(at)) >= 0) {
                throw error("an integer (fractions are not values in this format)");
            }
            try {
                return Value.of(Long.parseLong(s.substring(start, at)));
            } catch (NumberFormatException e) {
                throw error("an integer that fits a long");
            }
        }

        private String string() {
            skipSpace();
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (at >= s.length()) {
                    throw error("the end of a string");
                }
                char c = s.charAt(at++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (at >= s.length()) {
                    throw error("an escape");
                }
                char e = s.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> b.append(unicode());
                    default -> throw error("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
                }
            }
        }

        private char unicode() {
            if (at + 4 > s.length()) {
                throw error("four hex digits");
            }
            try {
                char c = (char) Integer.parseInt(s.substring(at, at + 4), 16);
                at += 4;
                return c;
            } catch (NumberFormatException e) {
                throw error("four hex digits");
            }
        }

        private void expect(char c) {
            skipSpace();
            if (at >= s.length() || s.charAt(at) != c) {
                throw error("'" + c + "'");
            }
            at++;
        }

        private boolean take(char c) {
            skipSpace();
            if (at < s.length() && s.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private boolean peek(char c) {
            skipSpace();
            return at < s.length() && s.charAt(at) == c;
        }

        private void skipSpace() {
            while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) {
                at++;
            }
        }

        private IllegalArgumentException error(String expected) {
            return new IllegalArgumentException("column " + (at + 1) + ": expected " + expected);
        }
    }
}
