package io.ramify.adapter.compute;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings the adapter puts on Postgres's command line (docs/design.md §4), and what it tells a
 * user whose configuration files say otherwise. A value on the command line beats
 * {@code postgresql.conf} and {@code ALTER SYSTEM} silently, so a branch's {@code ALTER SYSTEM SET
 * wal_init_zero = on} would be accepted and do nothing: {@link #overridden} finds such settings in
 * {@code pg_file_settings} so the compute can warn and show them. {@code wal_level} is a floor,
 * not a value: {@code replica}, or {@code logical} when the files ask for it (logical decoding).
 * Pure: the caller runs Postgres and its queries.
 */
public final class EnforcedSettings {
    /** What correctness needs from Postgres; a user cannot override these. */
    public static final Map<String, String> ENFORCED = enforced();
    /** wal_level values the files may raise the floor to. */
    static final Set<String> WAL_LEVELS_ABOVE_FLOOR = Set.of("logical");

    private EnforcedSettings() {}

    private static Map<String, String> enforced() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("full_page_writes", "on");
        m.put("fsync", "on");
        m.put("data_sync_retry", "off");
        m.put("wal_recycle", "off");
        m.put("wal_init_zero", "off");
        m.put("recovery_init_sync_method", "syncfs");
        m.put("dynamic_shared_memory_type", "posix");
        m.put("wal_level", "replica");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The command-line settings for a start, given {@code wal_level} as the files set it (or null). */
    static Map<String, String> forStart(String walLevelInFiles) {
        Map<String, String> m = new LinkedHashMap<>(ENFORCED);
        String level = walLevelInFiles == null ? "" : normalize(walLevelInFiles.trim());
        if (WAL_LEVELS_ABOVE_FLOOR.contains(level)) {
            m.put("wal_level", level);
        }
        return m;
    }

    /**
     * The enforced settings the configuration files set to something else, one line each, e.g.
     * {@code wal_init_zero = on (postgresql.auto.conf) is overridden: the adapter runs off}. {@code
     * fileRows} are {@code name|setting|sourcefile} rows of {@code pg_file_settings} in file order
     * (the last row of a name is the one that counts); {@code used} is what went on the command line.
     */
    static List<String> overridden(List<String> fileRows, Map<String, String> used) {
        Map<String, String[]> last = new LinkedHashMap<>();
        for (String row : fileRows) {
            String[] f = row.split("\\|", -1);
            if (f.length >= 3 && used.containsKey(f[0])) {
                last.put(f[0], f);
            }
        }
        List<String> out = new ArrayList<>();
        last.forEach((name, f) -> {
            if (!normalize(f[1]).equals(normalize(used.get(name)))) {
                String file = f[2].substring(f[2].lastIndexOf('/') + 1);
                out.add(name + " = " + f[1] + " (" + file + ") is overridden: the adapter runs " + used.get(name));
            }
        });
        return out;
    }

    /** One spelling per value: Postgres's boolean synonyms, and wal_level's old names. */
    static String normalize(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "on", "true", "yes", "1", "t", "y" -> "on";
            case "off", "false", "no", "0", "f", "n" -> "off";
            case "archive", "hot_standby" -> "replica";
            default -> s;
        };
    }
}
