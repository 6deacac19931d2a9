package io.ramify.wal.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage half of a Ratis state machine kept in RocksDB, shared by the WAL groups and by any
 * other group a node hosts (the branch catalog). It owns the group's {@link GroupDb} in
 * {@code sm/db}, takes snapshots as RocksDB checkpoints in {@code sm/snapshots/<term>_<index>}, and
 * closes and rebuilds the database around a snapshot installation (pause / reinitialize).
 * Subclasses decode and apply entries and answer queries; they commit each entry's writes with its
 * index through {@link #db()}, on Ratis's updater thread, one entry at a time, so a checkpoint taken
 * on that thread reflects exactly the last applied entry.
 */
public abstract class RocksStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(RocksStateMachine.class);

  private final SnapshotStore storage = new SnapshotStore();
  private volatile GroupDb db;

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
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

  /** Opens sm/db, first rebuilding it from the newest snapshot if it is missing or older. */
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
        GroupDb.deleteTree(dbDir);
        copyTree(snap, dbDir);
      }
    }
    db = GroupDb.open(dbDir);
    TermIndex applied = db.applied();
    if (snapTi != null && (applied == null || applied.getIndex() < snapTi.getIndex())) {
      applied = snapTi;
    }
    if (applied != null) {
      setLastAppliedTermIndex(applied);
    }
    LOG.info("{}: state machine open at {}", getGroupId(), applied);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var s = Files.list(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
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
    // Entries after the database's own applied index up to ti are Raft configuration entries,
    // which change nothing here, so the checkpoint reflects ti.
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
