package io.ramify.pagestore.server;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ramify.common.ShardMap;
import io.ramify.common.TimelineId;
import io.ramify.kv.RocksKv;
import io.ramify.kv.StorageException;
import io.ramify.pagestore.core.CorruptBlockException;
import io.ramify.pagestore.core.Ingest;
import io.ramify.pagestore.core.View;
import io.ramify.pagestore.core.ViewDiff;
import io.ramify.pagestore.core.ViewReader;
import io.ramify.pagestore.proto.Block;
import io.ramify.pagestore.proto.BlockRef;
import io.ramify.pagestore.proto.DiffViewsReply;
import io.ramify.pagestore.proto.DiffViewsRequest;
import io.ramify.pagestore.proto.FileDiff;
import io.ramify.pagestore.proto.FileStat;
import io.ramify.pagestore.proto.GetBlocksReply;
import io.ramify.pagestore.proto.GetBlocksRequest;
import io.ramify.pagestore.proto.ListTreeReply;
import io.ramify.pagestore.proto.ListTreeRequest;
import io.ramify.pagestore.proto.PageStoreGrpc;
import io.ramify.pagestore.proto.StatReply;
import io.ramify.pagestore.proto.StatRequest;
import io.ramify.pagestore.proto.StatusReply;
import io.ramify.pagestore.proto.StatusRequest;
import io.ramify.pagestore.proto.TimelineIngest;
import io.ramify.pagestore.proto.TimelineUsage;
import io.ramify.pagestore.proto.UsageReply;
import io.ramify.pagestore.proto.UsageRequest;
import io.ramify.pagestore.proto.ViewLevel;
import io.ramify.wal.client.WalLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gRPC face of a shard. Reads wait (bounded) for ingestion, then answer from one RocksDB
 * snapshot through {@link ViewReader}. Errors carry a status the client maps to a typed exception:
 * DATA_LOSS for a CRC mismatch (with the block's address), INVALID_ARGUMENT for bad input,
 * DEADLINE_EXCEEDED ("ingest wait ...") when ingestion did not get far enough in time.
 */
final class PageStoreService extends PageStoreGrpc.PageStoreImplBase {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PageStoreService.class);

    private final PageStoreConfig config;
    private final ShardDb db;
    private final IngestProgress progress;
    private final Timer hit;
    private final Timer waited;
    private final Timer miss;

    PageStoreService(PageStoreConfig config, ShardDb db, IngestProgress progress, MetricRegistry metrics) {
        this.config = config;
        this.db = db;
        this.progress = progress;
        this.hit = metrics.timer("pagestore.getblocks.hit");
        this.waited = metrics.timer("pagestore.getblocks.wait");
        this.miss = metrics.timer("pagestore.getblocks.miss");
    }

    @Override
    public void getBlocks(GetBlocksRequest req, StreamObserver<GetBlocksReply> out) {
        long start = System.nanoTime();
        answer(out, () -> {
            View view = view(req.getView());
            if (req.getBlocksCount() > PageStoreConfig.Defaults.BLOCKS_PER_CALL_MAX) {
                throw invalid(req.getBlocksCount() + " blocks in one call; at most "
                        + PageStoreConfig.Defaults.BLOCKS_PER_CALL_MAX);
            }
            for (BlockRef r : req.getBlocksList()) {
                checkPath(r.getFile());
                int owner = ShardMap.shardOf(r.getFile(), r.getBlock(), config.shardCount());
                if (owner != config.shard()) {
                    throw invalid("block " + r.getFile() + "#" + r.getBlock() + " belongs to shard " + owner + " of "
                            + config.shardCount() + ", not to this shard " + config.shard());
                }
            }
            boolean hadToWait = awaitIngested(view, req.getWaitForSeq(), req.getWaitMsMax());
            GetBlocksReply.Builder b = GetBlocksReply.newBuilder();
            boolean allPresent = true;
            try (RocksKv kv = db.snapshot()) {
                for (BlockRef r : req.getBlocksList()) {
                    long blockNo = r.getBlock();
                    ViewReader.BlockRead read = ViewReader.block(
                            kv,
                            view,
                            r.getFile(),
                            blockNo,
                            f -> ShardMap.shardOf(f, blockNo, config.shardCount()) == config.shard());
                    Block.Builder bb = Block.newBuilder()
                            .setFile(r.getFile())
                            .setBlock(r.getBlock())
                            .setPresent(read.present());
                    if (read.redirect() != null) {
                        bb.setRedirected(true)
                                .setRedirectFile(read.redirect().file())
                                .setRedirectLevel(read.redirect().level())
                                .setRedirectCut(read.redirect().cut())
                                .setRedirectZeroFrom(read.redirect().zeroFrom());
                    }
                    if (read.present()) {
                        bb.setImage(ByteString.copyFrom(read.image()))
                                .setTimeline(ByteString.copyFrom(read.timeline().toBytes()))
                                .setSeq(read.seq());
                    }
                    allPresent &= read.present();
                    b.addBlocks(bb);
                }
            }
            (hadToWait ? waited : allPresent ? hit : miss).update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return b.build();
        });
    }

    @Override
    public void stat(StatRequest req, StreamObserver<StatReply> out) {
        answer(out, () -> {
            View view = view(req.getView());
            if (req.getFilesCount() > PageStoreConfig.Defaults.NAMES_PER_CALL_MAX) {
                throw invalid(req.getFilesCount() + " files in one call; at most "
                        + PageStoreConfig.Defaults.NAMES_PER_CALL_MAX);
            }
            req.getFilesList().forEach(PageStoreService::checkPath);
            awaitIngested(view, req.getWaitForSeq(), req.getWaitMsMax());
            StatReply.Builder b = StatReply.newBuilder();
            try (RocksKv kv = db.snapshot()) {
                for (String f : req.getFilesList()) {
                    b.addStats(toProto(ViewReader.stat(kv, view, f)));
                }
            }
            return b.build();
        });
    }

    @Override
    public void listTree(ListTreeRequest req, StreamObserver<ListTreeReply> out) {
        answer(out, () -> {
            View view = view(req.getView());
            awaitIngested(view, req.getWaitForSeq(), req.getWaitMsMax());
            ListTreeReply.Builder b = ListTreeReply.newBuilder();
            try (RocksKv kv = db.snapshot()) {
                ViewReader.list(kv, view, PageStoreConfig.Defaults.LIST_PATHS_MAX)
                        .forEach(s -> b.addFiles(toProto(s)));
            } catch (IllegalStateException e) {
                throw Status.RESOURCE_EXHAUSTED
                        .withDescription("ListTree of view " + describe(view) + ": " + e.getMessage())
                        .asRuntimeException();
            }
            return b.build();
        });
    }

    @Override
    public void usage(UsageRequest req, StreamObserver<UsageReply> out) {
        answer(out, () -> {
            if (req.getTimelinesCount() > PageStoreConfig.Defaults.NAMES_PER_CALL_MAX) {
                throw invalid(req.getTimelinesCount() + " timelines in one call; at most "
                        + PageStoreConfig.Defaults.NAMES_PER_CALL_MAX);
            }
            UsageReply.Builder b = UsageReply.newBuilder().setShard(config.shard());
            try (RocksKv kv = db.snapshot()) {
                for (ByteString t : req.getTimelinesList()) {
                    Ingest.Usage u = Ingest.usage(kv, timeline(t));
                    b.addTimelines(TimelineUsage.newBuilder()
                            .setTimeline(t)
                            .setOwnBytes(u.ownBytes())
                            .setVersions(u.versions()));
                }
            }
            return b.build();
        });
    }

    @Override
    public void status(StatusRequest req, StreamObserver<StatusReply> out) {
        answer(out, () -> {
            StatusReply.Builder b =
                    StatusReply.newBuilder().setShard(config.shard()).setShardCount(config.shardCount());
            for (Map.Entry<TimelineId, IngestProgress.Entry> e : progress.all().entrySet()) {
                b.addTimelines(TimelineIngest.newBuilder()
                        .setTimeline(ByteString.copyFrom(e.getKey().toBytes()))
                        .setIngestedSeq(e.getValue().ingested())
                        .setLastSeq(e.getValue().lastSeq()));
            }
            return b.build();
        });
    }

    @Override
    public void diffViews(DiffViewsRequest req, StreamObserver<DiffViewsReply> out) {
        answer(out, () -> {
            View a = view(req.getA());
            View b = view(req.getB());
            if (req.getPathPrefixesCount() > PageStoreConfig.Defaults.NAMES_PER_CALL_MAX) {
                throw invalid(req.getPathPrefixesCount() + " path prefixes; at most "
                        + PageStoreConfig.Defaults.NAMES_PER_CALL_MAX);
            }
            List<String> prefixes = List.copyOf(req.getPathPrefixesList());
            awaitIngested(a, req.getWaitForSeqA(), req.getWaitMsMax());
            awaitIngested(b, req.getWaitForSeqB(), req.getWaitMsMax());
            long start = System.nanoTime();
            DiffViewsReply.Builder r = DiffViewsReply.newBuilder().setShard(config.shard());
            try (RocksKv kv = db.snapshot()) {
                for (ViewDiff.FileDiff d : ViewDiff.compare(
                        kv,
                        a,
                        b,
                        p -> prefixes.isEmpty() || prefixes.stream().anyMatch(p::startsWith),
                        (p, blk) -> ShardMap.shardOf(p, blk, config.shardCount()) == config.shard(),
                        PageStoreConfig.Defaults.LIST_PATHS_MAX)) {
                    r.addFiles(FileDiff.newBuilder()
                            .setPath(d.path())
                            .setExistsA(d.existsA())
                            .setExistsB(d.existsB())
                            .setSizeA(d.sizeA())
                            .setSizeB(d.sizeB())
                            .setChangedBlocks(d.changedBlocks()));
                }
            } catch (IllegalStateException e) {
                throw Status.RESOURCE_EXHAUSTED
                        .withDescription("DiffViews of " + describe(a) + " and " + describe(b) + ": " + e.getMessage())
                        .asRuntimeException();
            }
            LOG.info(
                    "DiffViews {} vs {}: {} files differ, {} ms",
                    describe(a),
                    describe(b),
                    r.getFilesCount(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            return r.build();
        });
    }

    /**
     * Waits until the own timeline is ingested up to {@code waitForSeq} and each ancestor up to its
     * cut (an ancestor is read at its fork cut, so everything up to it must be here). Returns whether
     * it had to wait at all.
     */
    private boolean awaitIngested(View view, long waitForSeq, int waitMs) {
        if (waitMs < 0 || waitMs > PageStoreConfig.Defaults.WAIT_MAX.toMillis()) {
            throw invalid("wait_ms_max " + waitMs + " is beyond " + PageStoreConfig.Defaults.WAIT_MAX.toMillis());
        }
        long wait = waitMs == 0 ? config.defaultWait().toMillis() : waitMs;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
        boolean hadToWait = false;
        for (int i = 0; i < view.levels().size(); i++) {
            View.Level l = view.levels().get(i);
            long want = i == 0 ? waitForSeq : l.cut();
            IngestProgress.Entry e = progress.get(l.timeline());
            if (e != null && e.ingested() >= want) {
                continue;
            }
            hadToWait = true;
            try {
                e = progress.await(l.timeline(), want, deadline);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED
                        .withDescription("interrupted while waiting for ingestion")
                        .asRuntimeException();
            }
            if (e == null) {
                throw invalid("unknown timeline " + l.timeline() + " (level " + i + " of view " + describe(view)
                        + "): ratis-wal does not list it");
            }
            if (e.ingested() < want) {
                throw Status.DEADLINE_EXCEEDED
                        .withDescription("ingest wait of " + wait + " ms ran out: timeline "
                                + l.timeline() + " is ingested up to seq " + e.ingested() + " on shard "
                                + config.shard()
                                + ", the read wanted seq " + want
                                + (e.broken() == null ? "" : "; ingestion stopped: " + e.broken()))
                        .asRuntimeException();
            }
        }
        return hadToWait;
    }

    private static View view(io.ramify.pagestore.proto.View v) {
        if (v.getLevelsCount() == 0 || v.getLevelsCount() > View.LEVELS_MAX) {
            throw invalid("a view has 1.." + View.LEVELS_MAX + " levels, got " + v.getLevelsCount());
        }
        List<View.Level> levels = new ArrayList<>();
        for (ViewLevel l : v.getLevelsList()) {
            levels.add(new View.Level(timeline(l.getTimeline()), l.getCut()));
        }
        return new View(levels);
    }

    private static TimelineId timeline(ByteString b) {
        if (b.size() != 16) {
            throw invalid("a timeline id is 16 bytes, got " + b.size());
        }
        return TimelineId.fromBytes(b.toByteArray());
    }

    private static void checkPath(String p) {
        if (p.isEmpty() || p.length() > WalLimits.PATH_CHARS_MAX || p.indexOf('\0') >= 0) {
            throw invalid("bad path '" + (p.length() > 80 ? p.substring(0, 80) + "…" : p.replace('\0', '?')) + "': 1.."
                    + WalLimits.PATH_CHARS_MAX + " characters without NUL");
        }
    }

    private static String describe(View v) {
        StringBuilder b = new StringBuilder("[");
        v.levels()
                .forEach(l -> b.append(b.length() > 1 ? ", " : "")
                        .append(l.timeline().shortForm())
                        .append('@')
                        .append(l.cut()));
        return b.append(']').toString();
    }

    private static FileStat toProto(ViewReader.FileStat s) {
        return FileStat.newBuilder()
                .setPath(s.path())
                .setExists(s.exists())
                .setDirectory(s.directory())
                .setSize(s.size())
                .build();
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    /** Runs a call, mapping failures onto statuses whose descriptions say what and where. */
    private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
        T reply;
        try {
            reply = body.get();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (CorruptBlockException e) {
            out.onError(Status.DATA_LOSS.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (StorageException e) {
            out.onError(Status.INTERNAL
                    .withDescription("local storage failed: " + e.getMessage())
                    .withCause(e)
                    .asRuntimeException());
            return;
        } catch (RuntimeException e) {
            out.onError(
                    Status.INTERNAL.withDescription(e.toString()).withCause(e).asRuntimeException());
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }
}
