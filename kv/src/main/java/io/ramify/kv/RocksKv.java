package io.ramify.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * A consistent read view of the live RocksDB: either the latest state (for the apply path, which
 * is the only writer) or a snapshot (for queries running beside it). Close it to release the
 * snapshot.
 */
public final class RocksKv implements Kv, AutoCloseable {
    private final RocksDB db;
    private final Snapshot snapshot;
    private final ReadOptions options;

    private RocksKv(RocksDB db, boolean snapshotted) {
        this.db = db;
        this.snapshot = snapshotted ? db.getSnapshot() : null;
        this.options = new ReadOptions();
        if (snapshot != null) {
            options.setSnapshot(snapshot);
        }
    }

    public static RocksKv latest(RocksDB db) {
        return new RocksKv(db, false);
    }

    public static RocksKv snapshot(RocksDB db) {
        return new RocksKv(db, true);
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return db.get(options, key);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB get failed", e);
        }
    }

    @Override
    public Entry floor(byte[] low, byte[] high) {
        try (RocksIterator it = db.newIterator(options)) {
            it.seekForPrev(high);
            if (!it.isValid()) {
                return null;
            }
            byte[] k = it.key();
            return Arrays.compareUnsigned(k, low) < 0 ? null : new Entry(k, it.value());
        }
    }

    @Override
    public List<Entry> scan(byte[] from, byte[] to, int limit) {
        List<Entry> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(options)) {
            for (it.seek(from); it.isValid() && out.size() < limit; it.next()) {
                byte[] k = it.key();
                if (Arrays.compareUnsigned(k, to) >= 0) {
                    break;
                }
                out.add(new Entry(k, it.value()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        options.close();
        if (snapshot != null) {
            db.releaseSnapshot(snapshot);
        }
    }
}
