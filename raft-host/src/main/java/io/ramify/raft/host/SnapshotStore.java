package io.ramify.raft.host;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Snapshots of a group are RocksDB checkpoints in {@code sm/snapshots/<term>_<index>/}; the live
 * database is {@code sm/db}. Ratis ships a snapshot's files to a follower that fell behind the
 * trimmed log, replacing that follower's whole {@code sm/} directory; the state machine then
 * rebuilds {@code sm/db} from the newest snapshot.
 */
final class SnapshotStore implements StateMachineStorage {
    private static final Pattern NAME = Pattern.compile("(\\d+)_(\\d+)");
    /** Snapshots kept on disk; older ones are deleted after a new one is taken. */
    static final int SNAPSHOTS_RETAINED = 2;

    private volatile Path smDir;
    private volatile FileListSnapshotInfo latest;

    @Override
    public void init(RaftStorage raftStorage) throws IOException {
        smDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
        Files.createDirectories(smDir);
        reload();
    }

    Path dbDir() {
        return smDir.resolve("db");
    }

    Path snapshotsDir() {
        return smDir.resolve("snapshots");
    }

    /** Re-reads the snapshot directory: at start and after Ratis installed a snapshot. */
    void reload() throws IOException {
        latest = newest().map(this::describe).orElse(null);
    }

    private Optional<Path> newest() throws IOException {
        if (!Files.isDirectory(snapshotsDir())) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(snapshotsDir())) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .max(Comparator.comparingLong(p -> termIndex(p).getIndex()));
        }
    }

    static TermIndex termIndex(Path snapshotDir) {
        Matcher m = NAME.matcher(snapshotDir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a snapshot directory: " + snapshotDir);
        }
        return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    private FileListSnapshotInfo describe(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            List<FileInfo> files = new ArrayList<>();
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                files.add(new FileInfo(p.toAbsolutePath(), null));
            }
            return new FileListSnapshotInfo(files, termIndex(dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path newestDir() throws IOException {
        return newest().orElse(null);
    }

    /** Publishes a finished checkpoint directory under its term and index. */
    void publish(Path tmp, TermIndex ti) throws IOException {
        Path target = snapshotsDir().resolve(ti.getTerm() + "_" + ti.getIndex());
        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        RocksStateMachine.syncDir(snapshotsDir());
        latest = describe(target);
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    @Override
    public void format() {}

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        if (!Files.isDirectory(snapshotsDir())) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(snapshotsDir())) {
            all = s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong((Path p) -> termIndex(p).getIndex())
                            .reversed())
                    .toList();
        }
        for (Path old : all.subList(Math.min(SNAPSHOTS_RETAINED, all.size()), all.size())) {
            GroupDb.deleteTree(old);
        }
    }

    @Override
    public File getTmpDir() {
        return null;
    }
}
