package io.ramify.control;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.proto.FileDiff;
import io.ramify.wal.client.WalClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ramify diff}: the schema diff of two branches, from {@code pg_dump --schema-only} of each
 * compared line by line, and the relations whose stored blocks differ. For the latter both
 * computes are CHECKPOINTed — their changes sit in shared buffers until then — and the page stores
 * compare the two views at the timelines' last seqs ({@code DiffViews}); {@link StorageDiff} names
 * the files.
 */
final class BranchDiff {
    private static final Logger LOG = LoggerFactory.getLogger(BranchDiff.class);
    /** How long the page stores may take to compare two branches (they examine every block of every relation). */
    static final Duration STORAGE_DIFF_MAX = Duration.ofMinutes(10);

    static final Duration SCHEMA_DUMP_MAX = Duration.ofMinutes(5);
    /** Bound on each CHECKPOINT and on the names query. */
    static final Duration COMPUTE_SQL_MAX = Duration.ofSeconds(30);

    private final ControlConfig config;
    private final WalClient wal;
    private final PageStoreClient pages;
    private final CatalogClient catalog;
    private final Function<CatalogModel.Branch, ComputeManager.Running> start;

    /** {@code start} returns the branch's running compute, starting it if needed. */
    BranchDiff(
            ControlConfig config,
            WalClient wal,
            PageStoreClient pages,
            CatalogClient catalog,
            Function<CatalogModel.Branch, ComputeManager.Running> start) {
        this.config = config;
        this.wal = wal;
        this.pages = pages;
        this.catalog = catalog;
        this.start = start;
    }

    /** {@code b} compared with {@code other}: '+' lines and "in branch" figures are {@code b}'s. */
    Views.Diff diff(CatalogModel.Branch b, CatalogModel.Branch other) {
        ComputeManager.Running mine = start.apply(b);
        ComputeManager.Running theirs = start.apply(other);
        List<String> mySchema = schemaLines(mine);
        List<String> theirSchema = schemaLines(theirs);
        List<Views.RelationChange> relations = storageDiff(b, mine, other, theirs);
        return new Views.Diff(
                b.name(),
                other.name(),
                mySchema.equals(theirSchema),
                SchemaDiff.unified(theirSchema, mySchema, other.name(), b.name()),
                relations);
    }

    private List<String> schemaLines(ComputeManager.Running r) {
        String dump = Psql.schema(r.compute().postgres().socketDir(), r.port(), config.osUser(), SCHEMA_DUMP_MAX);
        return dump.lines()
                .filter(l -> !l.startsWith("--")
                        && !l.startsWith("\\restrict")
                        && !l.startsWith("\\unrestrict")
                        && !l.isBlank())
                .toList();
    }

    private List<Views.RelationChange> storageDiff(
            CatalogModel.Branch b,
            ComputeManager.Running mine,
            CatalogModel.Branch other,
            ComputeManager.Running theirs) {
        StorageDiff.Names myNames = checkpointAndName(b, mine);
        StorageDiff.Names theirNames = checkpointAndName(other, theirs);
        long mySeq = WalClient.await(wal.status(b.timeline().id())).getLastSeq();
        long theirSeq = WalClient.await(wal.status(other.timeline().id())).getLastSeq();
        long t0 = System.nanoTime();
        List<FileDiff> files = pages.diffViews(
                BranchView.of(catalog, b, mySeq),
                mySeq,
                BranchView.of(catalog, other, theirSeq),
                theirSeq,
                StorageDiff.PREFIXES,
                STORAGE_DIFF_MAX);
        LOG.info(
                "storage diff of {} (seq {}) and {} (seq {}): {} files differ, {} ms",
                b.name(),
                mySeq,
                other.name(),
                theirSeq,
                files.size(),
                (System.nanoTime() - t0) / 1_000_000);
        return StorageDiff.relations(files, myNames, theirNames);
    }

    /** CHECKPOINT, so every change of the compute is in storage, then its names of relation files. */
    private StorageDiff.Names checkpointAndName(CatalogModel.Branch b, ComputeManager.Running r) {
        Path socket = r.compute().postgres().socketDir();
        try {
            Psql.run(socket, r.port(), config.osUser(), "CHECKPOINT", COMPUTE_SQL_MAX);
        } catch (RuntimeException e) {
            throw ControlError.unavailable(
                    "CHECKPOINT on branch " + b.name() + " failed, so its latest "
                            + "changes may not be in storage yet: " + e.getMessage() + "; retry the diff",
                    null);
        }
        return StorageDiff.Names.parse(
                Psql.run(socket, r.port(), config.osUser(), StorageDiff.NAMES_SQL, COMPUTE_SQL_MAX));
    }
}
