package io.ramify.pagestore.client;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ramify.common.ShardMap;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.proto.Block;
import io.ramify.pagestore.proto.BlockRef;
import io.ramify.pagestore.proto.DiffViewsRequest;
import io.ramify.pagestore.proto.FileDiff;
import io.ramify.pagestore.proto.FileStat;
import io.ramify.pagestore.proto.GetBlocksReply;
import io.ramify.pagestore.proto.GetBlocksRequest;
import io.ramify.pagestore.proto.ListTreeRequest;
import io.ramify.pagestore.proto.PageStoreGrpc;
import io.ramify.pagestore.proto.StatRequest;
import io.ramify.pagestore.proto.StatusReply;
import io.ramify.pagestore.proto.StatusRequest;
import io.ramify.pagestore.proto.TimelineUsage;
import io.ramify.pagestore.proto.UsageRequest;
import io.ramify.pagestore.proto.View;
import io.ramify.pagestore.proto.ViewLevel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The client of N page-store shards. A block goes to its owner shard ({@link ShardMap}, the same
 * map ratis-wal uses to stream ops); Stat and ListTree go to any shard that answers, since every
 * shard holds every file event. Each attempt has a deadline; an unreachable shard is retried under
 * a bounded exponential backoff, then reported as {@link PageStoreException.Unavailable}.
 */
public final class PageStoreClient implements AutoCloseable {
    private final List<String> addresses;
    private final PageStoreClientConfig config;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<PageStoreGrpc.PageStoreFutureStub> stubs = new ArrayList<>();
    /** Spreads Stat and ListTree over the shards. */
    private final AtomicInteger nextAny = new AtomicInteger();

    public PageStoreClient(List<String> addresses, PageStoreClientConfig config) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a page-store client needs at least one shard address");
        }
        this.addresses = List.copyOf(addresses);
        this.config = config;
        for (String a : this.addresses) {
            ManagedChannel ch = Grpc.newChannelBuilder(a, InsecureChannelCredentials.create())
                    .maxInboundMessageSize(config.maxInboundBytes())
                    .build();
            channels.add(ch);
            stubs.add(PageStoreGrpc.newFutureStub(ch));
        }
    }

    public int shardCount() {
        return addresses.size();
    }

    public int ownerOf(String file, long block) {
        return ShardMap.shardOf(file, block, addresses.size());
    }

    /** Blocks as {@code view} sees them, in request order, waiting at most the default wait. */
    public List<Block> getBlocks(View view, List<BlockRef> refs, long waitForSeq) {
        return getBlocks(view, refs, waitForSeq, config.defaultWait());
    }

    public List<Block> getBlocks(View view, List<BlockRef> refs, long waitForSeq, Duration wait) {
        return fetch(view, refs, waitForSeq, wait, true);
    }

    /**
     * {@link #getBlocks}, following rename redirects or not: {@link #followRedirects} reads each hop
     * without following, so that it counts every hop against {@link #REDIRECTS_MAX} (following
     * inside each hop restarted the count, and a rename cycle recursed until the stack overflowed).
     */
    private List<Block> fetch(View view, List<BlockRef> refs, long waitForSeq, Duration wait, boolean follow) {
        // Split by owner shard and into calls of at most maxBlocksPerCall; send them all, then collect.
        Map<Integer, List<Integer>> byShard = new HashMap<>();
        for (int i = 0; i < refs.size(); i++) {
            byShard.computeIfAbsent(ownerOf(refs.get(i).getFile(), refs.get(i).getBlock()), k -> new ArrayList<>())
                    .add(i);
        }
        record Call(int shard, List<Integer> positions, GetBlocksRequest req, ListenableFuture<GetBlocksReply> first) {}
        List<Call> calls = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> e : byShard.entrySet()) {
            List<Integer> pos = e.getValue();
            for (int from = 0; from < pos.size(); from += config.maxBlocksPerCall()) {
                List<Integer> part = pos.subList(from, Math.min(pos.size(), from + config.maxBlocksPerCall()));
                GetBlocksRequest.Builder rb = GetBlocksRequest.newBuilder()
                        .setView(view)
                        .setWaitForSeq(waitForSeq)
                        .setWaitMsMax((int) wait.toMillis());
                part.forEach(i -> rb.addBlocks(refs.get(i)));
                GetBlocksRequest req = rb.build();
                calls.add(new Call(e.getKey(), part, req, stub(e.getKey(), wait).getBlocks(req)));
            }
        }
        Block[] out = new Block[refs.size()];
        for (Call c : calls) {
            String what = "GetBlocks " + describe(c.req.getBlocksList()) + " of view " + Views.describe(view);
            GetBlocksReply r = withRetries(c.shard, what, wait, c.first, s -> s.getBlocks(c.req));
            if (r.getBlocksCount() != c.positions.size()) {
                throw new PageStoreException(
                        what + ": shard " + c.shard + " answered " + r.getBlocksCount() + " blocks for "
                                + c.positions.size(),
                        null);
            }
            for (int j = 0; j < c.positions.size(); j++) {
                Block blk = r.getBlocks(j);
                out[c.positions.get(j)] = follow && blk.getRedirected() ? followRedirects(blk, view, wait) : blk;
            }
        }
        return List.of(out);
    }

    public Block getBlock(View view, String file, long block, long waitForSeq) {
        return getBlocks(
                        view,
                        List.of(BlockRef.newBuilder()
                                .setFile(file)
                                .setBlock(block)
                                .build()),
                        waitForSeq)
                .getFirst();
    }

    /** Renames followed across shards in one read before giving up. */
    static final int REDIRECTS_MAX = 64;

    /** Follows a block's rename redirects to the shards that own the sources (bounded). */
    private Block followRedirects(Block b, View view, Duration wait) {
        String file = b.getFile();
        int zeroFrom = 8192;
        for (int hop = 0; b.getRedirected(); hop++) {
            if (hop >= REDIRECTS_MAX) {
                throw new PageStoreException(
                        "block " + file + "#" + b.getBlock() + " of view " + Views.describe(view) + ": more than "
                                + REDIRECTS_MAX + " renames",
                        null);
            }
            List<ViewLevel> levels = new ArrayList<>();
            ViewLevel at = view.getLevels(b.getRedirectLevel());
            levels.add(at.toBuilder().setCut(b.getRedirectCut()).build());
            levels.addAll(view.getLevelsList().subList(b.getRedirectLevel() + 1, view.getLevelsCount()));
            view = View.newBuilder().addAllLevels(levels).build();
            zeroFrom = Math.min(zeroFrom, b.getRedirectZeroFrom());
            // The source shard must have ingested the source level up to the cut before it answers.
            b = fetch(
                            view,
                            List.of(BlockRef.newBuilder()
                                    .setFile(b.getRedirectFile())
                                    .setBlock(b.getBlock())
                                    .build()),
                            b.getRedirectCut(),
                            wait,
                            false)
                    .getFirst();
        }
        if (b.getPresent() && zeroFrom < 8192) {
            byte[] img = b.getImage().toByteArray();
            java.util.Arrays.fill(img, zeroFrom, 8192, (byte) 0);
            b = b.toBuilder()
                    .setImage(com.google.protobuf.ByteString.copyFrom(img))
                    .build();
        }
        return b.toBuilder().setFile(file).build();
    }

    public List<FileStat> stat(View view, List<String> files, long waitForSeq) {
        StatRequest req = StatRequest.newBuilder()
                .setView(view)
                .addAllFiles(files)
                .setWaitForSeq(waitForSeq)
                .setWaitMsMax((int) config.defaultWait().toMillis())
                .build();
        String what = "Stat "
                + (files.size() == 1
                        ? files.getFirst()
                        : files.size() + " files from " + (files.isEmpty() ? "-" : files.getFirst()))
                + " of view " + Views.describe(view);
        return anyShard(what, config.defaultWait(), s -> s.stat(req)).getStatsList();
    }

    public List<FileStat> listTree(View view, long waitForSeq) {
        ListTreeRequest req = ListTreeRequest.newBuilder()
                .setView(view)
                .setWaitForSeq(waitForSeq)
                .setWaitMsMax((int) config.defaultWait().toMillis())
                .build();
        return anyShard("ListTree of view " + Views.describe(view), config.defaultWait(), s -> s.listTree(req))
                .getFilesList();
    }

    /** Own bytes and versions of each timeline, summed over every shard (each holds a share). */
    public Map<TimelineId, TimelineUsage> usage(List<TimelineId> timelines) {
        UsageRequest.Builder rb = UsageRequest.newBuilder();
        timelines.forEach(t -> rb.addTimelines(ByteString.copyFrom(t.toBytes())));
        UsageRequest req = rb.build();
        Map<TimelineId, TimelineUsage> sum = new HashMap<>();
        for (int shard = 0; shard < addresses.size(); shard++) {
            for (TimelineUsage u : withRetries(shard, "Usage", Duration.ZERO, null, s -> s.usage(req))
                    .getTimelinesList()) {
                sum.merge(
                        TimelineId.fromBytes(u.getTimeline().toByteArray()),
                        u,
                        (a, b) -> a.toBuilder()
                                .setOwnBytes(a.getOwnBytes() + b.getOwnBytes())
                                .setVersions(a.getVersions() + b.getVersions())
                                .build());
            }
        }
        return sum;
    }

    /**
     * Files two views see differently, with the blocks that differ summed over every shard (sizes
     * from any: every shard sees every file). Each view's own timeline is awaited up to its
     * {@code waitForSeq}; a shard may take up to {@code deadline}, plus the RPC timeout, to compare
     * (it examines every block of the files concerned).
     */
    public List<FileDiff> diffViews(
            View a, long waitForSeqA, View b, long waitForSeqB, List<String> pathPrefixes, Duration deadline) {
        DiffViewsRequest req = DiffViewsRequest.newBuilder()
                .setA(a)
                .setB(b)
                .setWaitForSeqA(waitForSeqA)
                .setWaitForSeqB(waitForSeqB)
                .setWaitMsMax((int) config.defaultWait().toMillis())
                .addAllPathPrefixes(pathPrefixes)
                .build();
        java.util.TreeMap<String, FileDiff> sum = new java.util.TreeMap<>();
        String what = "DiffViews of " + Views.describe(a) + " and " + Views.describe(b);
        for (int shard = 0; shard < addresses.size(); shard++) {
            for (FileDiff d : withRetries(shard, what, deadline, null, stub -> stub.diffViews(req))
                    .getFilesList()) {
                sum.merge(
                        d.getPath(),
                        d,
                        (x, y) -> x.toBuilder()
                                .setChangedBlocks(x.getChangedBlocks() + y.getChangedBlocks())
                                .build());
            }
        }
        return List.copyOf(sum.values());
    }

    public StatusReply status(int shard) {
        return withRetries(shard, "Status", Duration.ZERO, null, s -> s.status(StatusRequest.getDefaultInstance()));
    }

    private PageStoreGrpc.PageStoreFutureStub stub(int shard, Duration wait) {
        return stubs.get(shard)
                .withDeadlineAfter(wait.toMillis() + config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Tries every shard in turn, from a rotating start, for up to maxAttempts rounds with backoff between. */
    private <T> T anyShard(
            String what, Duration wait, Function<PageStoreGrpc.PageStoreFutureStub, ListenableFuture<T>> call) {
        int start = Math.floorMod(nextAny.getAndIncrement(), addresses.size());
        long backoff = config.backoffBase().toMillis();
        PageStoreException.Unavailable last = null;
        for (int round = 1; round <= config.maxAttempts(); round++) {
            for (int i = 0; i < addresses.size(); i++) {
                int shard = (start + i) % addresses.size();
                try {
                    return attempt(shard, what, call.apply(stub(shard, wait)));
                } catch (PageStoreException.Unavailable e) {
                    last = e; // any shard can answer: try the next one at once
                }
            }
            if (round < config.maxAttempts()) {
                sleep(backoff);
                backoff = Math.min(backoff * 2, config.backoffMax().toMillis());
            }
        }
        throw new PageStoreException.Unavailable(
                "no shard answered " + what + " in " + config.maxAttempts() + " rounds; last: " + last.getMessage(),
                last);
    }

    private <T> T withRetries(
            int shard,
            String what,
            Duration wait,
            ListenableFuture<T> first,
            Function<PageStoreGrpc.PageStoreFutureStub, ListenableFuture<T>> call) {
        long backoff = config.backoffBase().toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(shard, what, attempt == 1 && first != null ? first : call.apply(stub(shard, wait)));
            } catch (PageStoreException.Unavailable e) {
                if (attempt >= config.maxAttempts()) {
                    throw new PageStoreException.Unavailable(
                            e.getMessage() + " (after " + attempt + " attempts)", e.getCause());
                }
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, config.backoffMax().toMillis());
        }
    }

    private <T> T attempt(int shard, String what, ListenableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new PageStoreException.Unavailable(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw translate(shard, what, e.getCause());
        }
    }

    private PageStoreException translate(int shard, String what, Throwable t) {
        Status s = t instanceof StatusRuntimeException sre ? sre.getStatus() : Status.fromThrowable(t);
        String msg = what + " on shard " + shard + " (" + addresses.get(shard) + "): " + s.getCode()
                + (s.getDescription() == null ? "" : ": " + s.getDescription());
        return switch (s.getCode()) {
            case DATA_LOSS -> new PageStoreException.Corrupt(msg, t);
            case INVALID_ARGUMENT, NOT_FOUND, OUT_OF_RANGE, RESOURCE_EXHAUSTED ->
                new PageStoreException.BadRequest(msg, t);
            // A server-side ingest wait that ran out says so in its description; a lost reply does not.
            case DEADLINE_EXCEEDED ->
                s.getDescription() != null && s.getDescription().startsWith("ingest wait")
                        ? new PageStoreException.NotIngested(msg, t)
                        : new PageStoreException.Unavailable(msg, t);
            case UNAVAILABLE, ABORTED, CANCELLED -> new PageStoreException.Unavailable(msg, t);
            default -> new PageStoreException(msg, t);
        };
    }

    static String describe(List<BlockRef> refs) {
        if (refs.isEmpty()) {
            return "no blocks";
        }
        String first = refs.getFirst().getFile() + "#" + refs.getFirst().getBlock();
        return refs.size() == 1 ? first : first + " and " + (refs.size() - 1) + " more";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageStoreException.Unavailable("interrupted while backing off", e);
        }
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) {
            ch.shutdown();
        }
        for (ManagedChannel ch : channels) {
            try {
                if (!ch.awaitTermination(5, TimeUnit.SECONDS)) {
                    ch.shutdownNow();
                }
            } catch (InterruptedException e) {
                ch.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
