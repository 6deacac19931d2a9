package io.ramify.raft.host;

import io.ramify.kv.StorageException;
import io.ramify.kv.Writes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.rocksdb.Checkpoint;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB of one Raft group on one node. Each committed entry's writes and its log index go
 * in one atomic batch, so the database always says exactly which entry it reflects. Writes skip
 * RocksDB's own write-ahead log: the Raft log is the durable record, and after a crash (even a
 * {@code kill -9}, which now loses the memtables) the database is as of its last flush, a
 * consistent prefix of the applied entries, never older than the newest snapshot (a checkpoint
 * flushes first), and Ratis re-applies the rest ({@link RocksStateMachine}). Writing the WAL too
 * put every byte on disk twice per node, and each WAL page rewritten whole at every flush.
 * The key {@code 'A'} (one byte) holds the applied term and index in every group; a state machine
 * built on {@link RocksStateMachine} keeps its own keys away from it.
 */
public final class GroupDb implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GroupDb.class);

    static {
        RocksDB.loadLibrary();
    }

    /** The key of the applied term and index, in every group; state machines keep their keys away from it. */
    public static final byte[] APPLIED_KEY = {'A'};

    private final Path dir;
    private final RocksDB db;
    private final Options options;
    /** No RocksDB WAL (see the class comment); a clean close flushes the memtables. */
    private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);

    private GroupDb(Path dir, RocksDB db, Options options) {
        this.dir = dir;
        this.db = db;
        this.options = options;
    }

    /**
     * Values at least this large (WAL archive pages and block ops, 8 KiB and more) go to blob files,
     * written once at flush, while compaction rewrites only keys and small values. Without blobs,
     * compaction rewrote every archived WAL page and every short-lived block op level after level:
     * during {@code pgbench -i} the nodes' compaction threads took a fifth of the machine's CPU
     * (perf, docs/benchmarks.md).
     */
    static final long MIN_BLOB_BYTES = 4096;

    static GroupDb open(Path dir) {
        // Blob garbage collection rewrites the live blobs of old blob files during compaction, so the
        // files of acknowledged (deleted) block ops are reclaimed.
        Options o = new Options()
                .setCreateIfMissing(true)
                .setMaxOpenFiles(256)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setEnableBlobFiles(true)
                .setMinBlobSize(MIN_BLOB_BYTES)
                .setBlobCompressionType(CompressionType.LZ4_COMPRESSION)
                .setEnableBlobGarbageCollection(true);
        try {
            Files.createDirectories(dir);
            return new GroupDb(dir, RocksDB.open(o, dir.toString()), o);
        } catch (RocksDBException | IOException e) {
            o.close();
            throw new StorageException("cannot open RocksDB at " + dir, e);
        }
    }

    public RocksDB rocks() {
        return db;
    }

    /** The entry this database reflects, or null for a new one. */
    public TermIndex applied() {
        try {
            byte[] b = db.get(APPLIED_KEY);
            if (b == null) {
                return null;
            }
            ByteBuffer bb = ByteBuffer.wrap(b);
            return TermIndex.valueOf(bb.getLong(), bb.getLong());
        } catch (RocksDBException e) {
            throw new StorageException("cannot read applied index in " + dir, e);
        }
    }

    /** Commits {@code writes} (may be null) together with the applied term and index. */
    public void commit(Writes writes, TermIndex ti) {
        try (WriteBatch batch = new WriteBatch()) {
            if (writes != null) {
                for (Writes.Write w : writes.log()) {
                    if (w.end() != null) {
                        batch.deleteRange(w.key(), w.end());
                    } else if (w.isDelete()) {
                        batch.delete(w.key());
                    } else {
                        batch.put(w.key(), w.value());
                    }
                }
            }
            batch.put(
                    APPLIED_KEY,
                    ByteBuffer.allocate(16)
                            .putLong(ti.getTerm())
                            .putLong(ti.getIndex())
                            .array());
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new StorageException("cannot commit entry " + ti + " in " + dir, e);
        }
    }

    /** Writes a consistent copy of the database into {@code target}, which must not exist. */
    void checkpoint(Path target) {
        try (Checkpoint cp = Checkpoint.create(db)) {
            cp.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new StorageException("cannot write checkpoint to " + target, e);
        }
    }

    long approximateSizeBytes() {
        try {
            return db.getLongProperty("rocksdb.total-sst-files-size")
                    + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
        } catch (RocksDBException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try (org.rocksdb.FlushOptions f = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            db.flush(f); // what only the memtables held (no RocksDB WAL); a restart then replays nothing
        } catch (RocksDBException e) {
            // Not fatal: Ratis replays the entries the database lacks from its log at the next start.
            LOG.warn("cannot flush {} before closing it: {}", dir, e.toString());
        }
        db.close();
        writeOptions.close();
        options.close();
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
