package io.ramify.raft.host;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.ramify.kv.Kv;
import io.ramify.kv.RocksKv;
import io.ramify.kv.Writes;
import io.ramify.raft.client.RatisBytes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage half of a Ratis state machine kept in RocksDB, shared by the WAL groups and by any
 * other group a node hosts (the branch catalog). It owns the group's {@link GroupDb} in
 * {@code sm/db}, takes snapshots as RocksDB checkpoints in {@code sm/snapshots/<term>_<index>}, and
 * closes and rebuilds the database around a snapshot installation (pause / reinitialize).
 * It owns the Ratis side of every group the same way: the leader stamps its clock into each
 * command ({@link #startTransaction}), and each committed entry is decoded and applied by the
 * subclass's pure core ({@link #applyCommand}) and its writes committed with the entry's index in
 * one batch, on Ratis's updater thread, one entry at a time, so a checkpoint taken on that thread
 * reflects exactly the last applied entry; reads are answered from a snapshot ({@link #answer}).
 *
 * <p><b>Recovery after a crash.</b> RocksDB writes are not synced (the Raft log is), so after a
 * crash the database reflects some prefix of the applied entries: all of them after {@code kill
 * -9} (the kernel still had its writes), fewer after a power loss (down to its last flush). Ratis,
 * for its part, replays the log from the newest <em>snapshot</em>'s index, whatever the database
 * holds. So the state machine tells Ratis it has applied up to the snapshot (what Ratis replays
 * from), and skips the replayed entries its database already reflects ({@link #applyTransaction}):
 * each entry's writes and its index are one atomic batch, so "index ≤ the database's" means
 * "already in". A database older than the newest snapshot is rebuilt from the snapshot first.
 */
public abstract class RocksStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(RocksStateMachine.class);

    private final SnapshotStore storage = new SnapshotStore();
    private final MetricRegistry metrics;
    private final java.util.function.Function<RaftGroupId, String> metricPrefix;
    private final long slowApplyMillis;
    private Timer applyTimer;
    private Counter rejections;
    private volatile GroupDb db;
    /**
     * The index the database reflected when it was opened: entries up to it that Ratis replays are
     * already in it and are skipped. Read and written on the updater thread (and at open).
     */
    private volatile long openedAtIndex = -1;

    private volatile long replaySkipped;

    /**
     * @param metrics the node's registry; this group's {@code <prefix>.apply} timer and {@code
     *     <prefix>.rejections} counter go there
     * @param metricPrefix the group's metric prefix, from its id (e.g. {@code wal.group_1a2b3c4d})
     * @param slowApplyMillis an apply at least this slow is logged: it holds up every later entry
     */
    protected RocksStateMachine(
            MetricRegistry metrics,
            java.util.function.Function<RaftGroupId, String> metricPrefix,
            long slowApplyMillis) {
        this.metrics = metrics;
        this.metricPrefix = metricPrefix;
        this.slowApplyMillis = slowApplyMillis;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        String prefix = metricPrefix.apply(groupId);
        applyTimer = metrics.timer(prefix + ".apply");
        rejections = metrics.counter(prefix + ".rejections");
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        getLifeCycle().startAndTransition(this::openDb);
    }

    /**
     * The open database, or null while a snapshot is being installed (queries then fail and the
     * client retries). Entries are never applied while it is null: Ratis pauses the updater first.
     */
    protected final GroupDb db() {
        return db;
    }

    /**
     * Opens sm/db, first rebuilding it from the newest snapshot if it is missing or older, and tells
     * Ratis it has applied up to the snapshot: Ratis replays the log from there (see the class
     * comment), and {@link #applyTransaction} skips what the database already holds.
     */
    private void openDb() throws IOException {
        Path dbDir = storage.dbDir();
        Path snap = storage.newestDir();
        TermIndex snapTi = snap == null ? null : SnapshotStore.termIndex(snap);
        if (snap != null) {
            TermIndex have = null;
            if (Files.isDirectory(dbDir)) {
                try (GroupDb probe = GroupDb.open(dbDir)) {
                    have = probe.applied();
                }
            }
            if (have == null || have.getIndex() < snapTi.getIndex()) {
                LOG.info("{}: restoring state from snapshot {} (database was at {})", getGroupId(), snapTi, have);
                restoreFromSnapshot(snap, dbDir);
            }
        }
        db = GroupDb.open(dbDir);
        TermIndex applied = db.applied();
        openedAtIndex = applied == null ? -1 : applied.getIndex();
        replaySkipped = 0;
        if (snapTi != null) {
            setLastAppliedTermIndex(snapTi);
        }
        LOG.info(
                "{}: state machine open: database at {}, newest snapshot {}; Ratis replays from the snapshot and "
                        + "entries up to the database's index are skipped",
                getGroupId(),
                applied,
                snapTi);
    }

    /**
     * Replaces {@code dbDir} with a copy of a snapshot, crash-safely: the copy is made and synced
     * beside it and renamed into place, so a crash leaves either no database (restored again at the
     * next start) or a whole one, never a half-copied one RocksDB cannot open.
     */
    private static void restoreFromSnapshot(Path snap, Path dbDir) throws IOException {
        Path tmp = dbDir.resolveSibling(dbDir.getFileName() + ".restoring");
        GroupDb.deleteTree(tmp);
        Files.createDirectories(tmp);
        try (var s = Files.list(snap)) {
            for (Path p : s.toList()) {
                Files.copy(p, tmp.resolve(p.getFileName()));
            }
        }
        syncTree(tmp);
        GroupDb.deleteTree(dbDir);
        Files.move(tmp, dbDir, StandardCopyOption.ATOMIC_MOVE);
        syncDir(dbDir.getParent());
    }

    /** fsyncs every file of a directory (one level) and the directory itself. */
    static void syncTree(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
                    c.force(true);
                }
            }
        }
        syncDir(dir);
    }

    /** fsyncs a directory, so that a file created, renamed or deleted in it stays so after power loss. */
    static void syncDir(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        }
    }

    /**
     * The field number, in the write request of every group hosted this way, of {@code int64
     * leader_time_millis}: the leader's clock, stamped into each entry so that every replica applies
     * the same time.
     */
    static final int LEADER_TIME_FIELD = 1;

    /**
     * Stamps the leader's clock into the request without parsing it: the field is appended to the
     * serialized bytes, and protobuf's rule that the last value of a scalar field wins when a
     * message is parsed makes that the request with {@code leader_time_millis} set (a client's own
     * value is overridden). A malformed request stays malformed and is refused alike on every
     * replica when applied. (It was parsed and re-serialized on the leader's hot path.)
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ByteString data = request.getMessage().getContent().concat(leaderTimeField(System.currentTimeMillis()));
        return TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(data)
                .build();
    }

    /** {@code leader_time_millis = millis} as protobuf wire bytes: the tag, then the value as a varint. */
    public static ByteString leaderTimeField(long millis) {
        byte[] out = new byte[11];
        int n = 0;
        out[n++] = (byte) (LEADER_TIME_FIELD << 3); // wire type 0: varint
        long v = millis;
        while ((v & ~0x7FL) != 0) {
            out[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[n++] = (byte) v;
        return ByteString.copyFrom(out, 0, n);
    }

    /**
     * Applies a committed entry: skipped when the database already reflects it (a replay after a
     * crash, see the class comment), else handed to {@link #apply}. Ratis calls this in log order on
     * its updater thread.
     */
    @Override
    public final CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex ti = TermIndex.valueOf(entry);
        CompletableFuture<Message> reply;
        if (ti.getIndex() <= openedAtIndex) {
            // Nobody waits for this reply: the entry was applied before the crash, and a restarted
            // server has no pending client requests.
            replaySkipped++;
            if (ti.getIndex() == openedAtIndex) {
                LOG.info(
                        "{}: skipped {} replayed entries the database already held, up to {}",
                        getGroupId(),
                        replaySkipped,
                        ti);
            }
            reply = CompletableFuture.completedFuture(Message.EMPTY);
        } else {
            reply = CompletableFuture.completedFuture(
                    applyNew(ti, entry.getStateMachineLogEntry().getLogData()));
        }
        updateLastAppliedTermIndex(ti.getTerm(), ti.getIndex());
        return reply;
    }

    /**
     * Applies one committed entry that the database does not hold yet: the subclass decodes it and
     * lets its pure core compute the writes ({@link #applyCommand}), and they are committed with
     * {@code ti} in one batch (only the index for a refused command, so a replay skips it too).
     */
    private Message applyNew(TermIndex ti, ByteString logData) {
        long started = System.nanoTime();
        Applied a;
        try (Timer.Context t = applyTimer.time();
                RocksKv base = RocksKv.latest(db.rocks())) {
            Writes writes = new Writes(base);
            a = applyCommand(logData, writes);
            if (a.refusal() != null) {
                rejections.inc();
                LOG.debug("{}: entry {} refused: {}", getGroupId(), ti, a.refusal());
            }
            db.commit(a.refusal() == null ? writes : null, ti);
        }
        a.afterCommit().run();
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        if (tookMs >= slowApplyMillis) {
            LOG.warn("{}: applying entry {} ({} bytes) took {} ms", getGroupId(), ti, logData.size(), tookMs);
        }
        // The reply's array is new and never changed: wrapped, not copied (WAL reads reply up to a MiB).
        return RatisBytes.message(a.reply());
    }

    /**
     * What applying one command produced: the reply's bytes for the client, why it was refused (null
     * if it was not: a refused command leaves no writes), and what to do once its writes are
     * committed (e.g. wake readers waiting for them).
     */
    public record Applied(byte[] reply, String refusal, Runnable afterCommit) {
        public static Applied of(byte[] reply, String refusal) {
            return new Applied(reply, refusal, () -> {});
        }
    }

    /**
     * Decodes one committed command and applies it through the group's pure core into {@code
     * writes}. Must be deterministic (the leader's clock is in the command, see {@link
     * #startTransaction}): every replica applies the same entries. A command that does not parse is
     * a refusal, not an exception.
     */
    protected abstract Applied applyCommand(ByteString logData, Writes writes);

    /** Answers a read-only query from a consistent snapshot of the database. */
    protected abstract byte[] answer(ByteString query, Kv snapshot);

    /** Answers {@link #answer} on the caller's thread; fails while a snapshot is being installed. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            return CompletableFuture.completedFuture(
                    RatisBytes.message(fromSnapshot(kv -> answer(request.getContent(), kv))));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Runs {@code read} on a snapshot of the database, so that it sees one applied entry's state
     * throughout. Throws while a snapshot is being installed (the database is closed then; the
     * client retries).
     */
    protected final <T> T fromSnapshot(java.util.function.Function<Kv, T> read) throws IOException {
        GroupDb d = db;
        if (d == null) {
            throw new IOException(getGroupId() + ": state machine is being reloaded");
        }
        try (RocksKv snap = RocksKv.snapshot(d.rocks())) {
            return read.apply(snap);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /** Ratis pauses the state machine before it replaces sm/ with an installed snapshot. */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        closeDb();
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    private void closeDb() {
        GroupDb d = db;
        db = null;
        if (d != null) {
            d.close();
        }
    }

    /** After a snapshot was installed: rebuild sm/db from it (the old database is gone with sm/). */
    @Override
    public void reinitialize() throws IOException {
        closeDb();
        getLifeCycle().transition(LifeCycle.State.STARTING);
        storage.reload();
        openDb();
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex ti = getLastAppliedTermIndex();
        if (ti == null || ti.getIndex() < 0) {
            return -1;
        }
        Files.createDirectories(storage.snapshotsDir());
        Path tmp = storage.snapshotsDir().resolve("tmp-" + ti.getIndex() + "-" + System.nanoTime());
        db.checkpoint(tmp);
        // The checkpoint reflects ti: entries after the database's own applied index up to ti are Raft
        // configuration entries, which change nothing here. While Ratis replays entries the database
        // already held after a crash, it reflects more than ti, which is as good: the copy carries its
        // own applied index, and entries up to it are skipped after a restore from it.
        // Synced before it is published: Ratis purges the log up to a published snapshot, so after a
        // power loss the snapshot must be whole where the purged log is gone.
        syncTree(tmp);
        storage.publish(tmp, ti);
        storage.cleanupOldSnapshots(null);
        LOG.info("{}: snapshot taken at {}", getGroupId(), ti);
        return ti.getIndex();
    }

    /** Bytes in SST files and memtables; -1 while the database is closed. */
    public long approximateSizeBytes() {
        GroupDb d = db;
        return d == null ? -1 : d.approximateSizeBytes();
    }

    @Override
    public void close() throws IOException {
        closeDb();
        super.close();
    }
}
