package io.ramify.common.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one server, by the long names of its {@code ramify} subcommand without dashes
 * ({@code node-id}, {@code data-dir}, …). A role reads each with a typed getter; a missing required
 * option, a value of the wrong type or an option the role does not know is an {@link
 * IllegalArgumentException} naming it.
 */
public final class ServerOptions {
    private final Map<String, String> values;

    public ServerOptions(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Parses {@code --key value} pairs, as {@link ServerMain} receives them. */
    public static ServerOptions parse(List<String> args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String k = args.get(i);
            if (!k.startsWith("--") || i + 1 >= args.size()) {
                throw new IllegalArgumentException("expected --OPTION VALUE pairs, got '" + k + "'"
                        + (i + 1 >= args.size() ? " without a value" : ""));
            }
            m.put(k.substring(2), args.get(i + 1));
        }
        return new ServerOptions(m);
    }

    /** As {@code --key value} pairs, the way {@link #parse} reads them and the {@code ramify} subcommands take them. */
    public List<String> asArgs() {
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> {
            out.add("--" + k);
            out.add(v);
        });
        return out;
    }

    public Map<String, String> asMap() {
        return values;
    }

    /** Fails on an option outside {@code known}: a typo must not silently fall back to a default. */
    public ServerOptions onlyOf(Set<String> known) {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown option --" + k + " (known: " + known + ")");
            }
        }
        return this;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public String string(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("option --" + key + " is required");
        }
        return v;
    }

    public String string(String key, String dflt) {
        return values.getOrDefault(key, dflt);
    }

    public Path path(String key) {
        return Path.of(string(key));
    }

    public int integer(String key, int dflt) {
        return has(key) ? (int) number(key) : dflt;
    }

    public int integer(String key) {
        return (int) number(key);
    }

    public long number(String key, long dflt) {
        return has(key) ? number(key) : dflt;
    }

    private long number(String key) {
        try {
            return Long.parseLong(string(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "option --" + key + " must be a whole number, not '" + values.get(key) + "'");
        }
    }

    public Duration millis(String key, Duration dflt) {
        return has(key) ? Duration.ofMillis(number(key)) : dflt;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
