package io.ramify.control;

import io.ramify.pagestore.proto.FileDiff;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The storage half of {@code ramify diff}: the page stores' per-file differences of two branches
 * (see {@code DiffViews}) folded into relations, named from each compute's {@code pg_class}.
 * Relation files are {@code base/DB/FILENODE[_fork][.segment]} and {@code global/FILENODE...};
 * segments of one fork are summed.
 */
final class StorageDiff {
    /** Where Postgres keeps relation files; the page stores compare nothing else. */
    static final List<String> PREFIXES = List.of("base/", "global/");
    /** Postgres's FirstNormalObjectId: relations below it come with initdb (catalogs and their indexes). */
    static final long FIRST_NORMAL_OID = 16384;

    static final int BLOCK = 8192;

    private static final Pattern RELATION_FILE =
            Pattern.compile("^((?:base/\\d+|global)/\\d+)(?:_(fsm|vm|init))?(?:\\.(\\d+))?$");

    /**
     * One row per relation file (main fork path, without segment) in a compute's {@code postgres}
     * database and the shared catalogs, and one per database directory.
     */
    static final String NAMES_SQL = "SELECT pg_relation_filepath(c.oid), c.oid::regclass::text, "
            + "CASE WHEN c.oid < " + FIRST_NORMAL_OID + " THEN 'system' ELSE 'user' END "
            + "FROM pg_class c WHERE pg_relation_filepath(c.oid) IS NOT NULL "
            + "UNION ALL SELECT 'base/' || oid, datname, 'database' FROM pg_database";

    private StorageDiff() {}

    /** What a compute calls its relation files and database directories. */
    record Names(Map<String, String> relations, Map<String, Boolean> system, Map<String, String> databases) {
        /** Parses psql's unaligned output of {@link #NAMES_SQL} (path|name|kind; a name may hold '|'). */
        static Names parse(String psqlOutput) {
            Map<String, String> relations = new HashMap<>();
            Map<String, Boolean> system = new HashMap<>();
            Map<String, String> databases = new HashMap<>();
            for (String line : psqlOutput.lines().toList()) {
                int first = line.indexOf('|');
                int last = line.lastIndexOf('|');
                if (first < 0 || last == first) {
                    continue;
                }
                String path = line.substring(0, first);
                String name = line.substring(first + 1, last);
                String kind = line.substring(last + 1);
                if (kind.equals("database")) {
                    databases.put(path, name);
                } else {
                    relations.put(path, name);
                    system.put(path, kind.equals("system"));
                }
            }
            return new Names(relations, system, databases);
        }

        static Names none() {
            return new Names(Map.of(), Map.of(), Map.of());
        }
    }

    /**
     * Relations whose files differ, most changed blocks first. {@code a} is the branch, {@code b}
     * the one it is compared with; names come from the branch's compute, else from the other's.
     */
    static List<Views.RelationChange> relations(List<FileDiff> files, Names mine, Names theirs) {
        record Key(String mainPath, String fork) {}
        Map<Key, long[]> sums =
                new LinkedHashMap<>(); // changed, blocks in branch, blocks in other, in branch, in other
        for (FileDiff f : files) {
            Matcher m = RELATION_FILE.matcher(f.getPath());
            if (!m.matches()) {
                continue; // pg_filenode.map, PG_VERSION, pg_internal.init, pg_control: not relations
            }
            long[] s = sums.computeIfAbsent(
                    new Key(m.group(1), m.group(2) == null ? "main" : m.group(2)), k -> new long[5]);
            s[0] += f.getChangedBlocks();
            s[1] += blocks(f.getSizeA());
            s[2] += blocks(f.getSizeB());
            s[3] |= f.getExistsA() ? 1 : 0;
            s[4] |= f.getExistsB() ? 1 : 0;
        }
        List<Views.RelationChange> out = new ArrayList<>();
        sums.forEach((k, s) -> {
            String name = mine.relations()
                    .getOrDefault(k.mainPath(), theirs.relations().get(k.mainPath()));
            Boolean system =
                    mine.system().getOrDefault(k.mainPath(), theirs.system().get(k.mainPath()));
            if (name == null) {
                String dir = k.mainPath().substring(0, k.mainPath().lastIndexOf('/'));
                String db =
                        mine.databases().getOrDefault(dir, theirs.databases().get(dir));
                // Another database's relation, or one that is in neither pg_class (dropped on both sides).
                name = db != null && !db.equals("postgres")
                        ? db + ":" + k.mainPath().substring(dir.length() + 1)
                        : null;
                system = db != null && !db.equals("postgres");
            }
            out.add(new Views.RelationChange(
                    name, k.mainPath(), k.fork(), Boolean.TRUE.equals(system), s[0], s[1], s[2], s[3] == 1, s[4] == 1));
        });
        out.sort(Comparator.comparingLong(Views.RelationChange::changedBlocks)
                .reversed()
                .thenComparing(Views.RelationChange::file)
                .thenComparing(Views.RelationChange::fork));
        return out;
    }

    private static long blocks(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK;
    }
}
