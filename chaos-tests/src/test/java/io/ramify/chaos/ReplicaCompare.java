package io.ramify.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Compares the state-machine databases of stopped ratis-wal nodes: for every group, each node's
 * {@code <group>/sm/db} must hold the same keys and values (digested), since every replica applies
 * the same entries.
 */
final class ReplicaCompare {
    private ReplicaCompare() {}

    static void assertSameDatabases(Path root, int nodes, String context) throws Exception {
        Map<String, String> first = digests(root.resolve("wal-" + WalNodes.id(0)));
        assertTrue(first.size() >= 2, "found the databases of " + first.keySet());
        for (int i = 1; i < nodes; i++) {
            assertEquals(
                    first,
                    digests(root.resolve("wal-" + WalNodes.id(i))),
                    "group databases of n0 and n" + i + " (group: keys/digest)" + context);
        }
    }

    /** Group directory name → "keys/sha256" of its database's keys and values in order. */
    private static Map<String, String> digests(Path dataDir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        List<Path> groups;
        try (Stream<Path> s = Files.list(dataDir)) {
            groups = s.filter(p -> Files.isDirectory(p.resolve("sm").resolve("db")))
                    .toList();
        }
        for (Path g : groups) {
            out.put(g.getFileName().toString(), digest(g.resolve("sm").resolve("db")));
        }
        return out;
    }

    private static String digest(Path db) throws Exception {
        RocksDB.loadLibrary();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long keys = 0;
        try (Options o = new Options();
                RocksDB r = RocksDB.openReadOnly(o, db.toString());
                RocksIterator it = r.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                md.update(it.key());
                md.update((byte) 0);
                md.update(it.value());
                keys++;
            }
        }
        return keys + "/" + HexFormat.of().formatHex(md.digest());
    }
}
