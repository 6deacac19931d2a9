package io.ramify.pagestore.server;

import io.ramify.kv.RocksKv;
import io.ramify.kv.StorageException;
import io.ramify.kv.Writes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A shard's RocksDB. Unlike ratis-wal's databases, nothing replays what this one loses once the
 * shard has acknowledged ops: ratis-wal may then drop them. So the ingestor makes what it stored
 * durable ({@link #commit}, a synced batch) before each acknowledgement; chunks in between are
 * written unsynced ({@link #commitUnsynced}) — a crash loses a suffix of them, which ratis-wal
 * still holds and the ingestor pulls again from the stored ingested seq. A chunk's versions and
 * its new ingested seq always go in one atomic batch.
 */
final class ShardDb implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    /** Open files RocksDB may keep; the rest are reopened on demand. */
    static final int OPEN_FILES_MAX = 512;

    private final Path dir;
    private final RocksDB db;
    private final Options options;
    private final WriteOptions sync = new WriteOptions().setSync(true);
    private final WriteOptions unsynced = new WriteOptions();

    private ShardDb(Path dir, RocksDB db, Options options) {
        this.dir = dir;
        this.db = db;
        this.options = options;
    }

    static ShardDb open(Path dir) {
        // Stored block values are encoded images; LZ4 is cheap enough to apply to every level.
        Options o = new Options()
                .setCreateIfMissing(true)
                .setMaxOpenFiles(OPEN_FILES_MAX)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION);
        try {
            Files.createDirectories(dir);
            return new ShardDb(dir, RocksDB.open(o, dir.toString()), o);
        } catch (RocksDBException | IOException e) {
            o.close();
            throw new StorageException("cannot open the shard's RocksDB at " + dir, e);
        }
    }

    /** Writes {@code w} as one atomic, synced batch: it and every earlier write survive a crash. */
    void commit(Writes w) {
        write(w, sync);
    }

    /** Writes {@code w} as one atomic batch that a crash may lose (with whatever followed it). */
    void commitUnsynced(Writes w) {
        write(w, unsynced);
    }

    private void write(Writes w, WriteOptions how) {
        try (WriteBatch b = new WriteBatch()) {
            for (Writes.Write x : w.log()) {
                if (x.end() != null) {
                    b.deleteRange(x.key(), x.end());
                } else if (x.isDelete()) {
                    b.delete(x.key());
                } else {
                    b.put(x.key(), x.value());
                }
            }
            db.write(how, b);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB write of " + w.log().size() + " keys to " + dir + " failed", e);
        }
    }

    /** The latest state; only the single writer (the ingestor) reads through it. */
    private final Object writeLock = new Object();

    /** Held by whoever reads state to compute a batch and commits it (ingestor, collector). */
    Object writeLock() {
        return writeLock;
    }

    RocksKv latest() {
        return RocksKv.latest(db);
    }

    /** A consistent snapshot for a read beside the ingestor. Close it. */
    RocksKv snapshot() {
        return RocksKv.snapshot(db);
    }

    /** SST files plus memtables: roughly what the shard occupies. */
    long sizeBytes() {
        try {
            return db.getLongProperty("rocksdb.total-sst-files-size")
                    + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
        } catch (RocksDBException e) {
            return -1;
        }
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            // Unsynced chunks lost here are pulled again after the restart.
        }
        db.close();
        sync.close();
        unsynced.close();
        options.close();
    }
}
