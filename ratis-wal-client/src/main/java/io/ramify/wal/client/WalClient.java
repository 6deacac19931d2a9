package io.ramify.wal.client;

import com.google.protobuf.ByteString;
import io.ramify.common.Generation;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.raft.client.ClientSlot;
import io.ramify.raft.client.RatisBytes;
import io.ramify.wal.proto.Ack;
import io.ramify.wal.proto.AppendResult;
import io.ramify.wal.proto.Claim;
import io.ramify.wal.proto.CreateTimeline;
import io.ramify.wal.proto.CutFor;
import io.ramify.wal.proto.ForkPoint;
import io.ramify.wal.proto.ForkPointReply;
import io.ramify.wal.proto.GetStatus;
import io.ramify.wal.proto.LsnForTime;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.OpsChunk;
import io.ramify.wal.proto.QueryRequest;
import io.ramify.wal.proto.ReadOps;
import io.ramify.wal.proto.ReadWal;
import io.ramify.wal.proto.RecordEnd;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import io.ramify.wal.proto.TrimWal;
import io.ramify.wal.proto.WriteRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.retry.ExponentialBackoffRetry;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The asynchronous client of ratis-wal used by the compute-adapter, the page stores and the
 * catalog. One Ratis client per group; leader changes are followed by Ratis, and every request is
 * retried under a bounded exponential backoff (Ratis's default policy retries forever). Refusals
 * complete the future with {@link WalRejectedException}; an unreachable cluster with {@link
 * WalUnavailableException}.
 */
public final class WalClient implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WalClient.class);
    private final WalCluster cluster;
    private final WalClientConfig config;
    /** One Ratis client per group, replaced when Ratis closes it ({@link ClientSlot}). */
    private final ClientSlot[] groups;

    private final RaftProperties properties;
    private final RetryPolicy retry;
    private final com.codahale.metrics.MetricRegistry metrics = new com.codahale.metrics.MetricRegistry();
    private final com.codahale.metrics.Timer appendLatency = metrics.timer("wal.client.append_commit");
    private final com.codahale.metrics.Histogram appendBytes = metrics.histogram("wal.client.append_batch_bytes");
    private final com.codahale.metrics.Counter rejections = metrics.counter("wal.client.rejections");
    private final com.codahale.metrics.Counter unavailable = metrics.counter("wal.client.unavailable");
    /**
     * Threads of this client's own, a virtual one per task: each long poll blocks one ({@link
     * #parkedQuery}), and step-down retries wait on one ({@link #later}). Never the JVM's common
     * ForkJoinPool: whatever else runs in the process may hold every worker of it (on 2 CPUs it has
     * one), and a page store's ingestion then stalled (docs/architecture.md, known problems).
     */
    private final java.util.concurrent.ExecutorService ownThreads =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("wal-client-", 0).factory());
    /** One thread, so writers see their batches complete in order. */
    private final java.util.concurrent.ExecutorService callbacks =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "wal-client-callbacks");
                t.setDaemon(true);
                return t;
            });

    private WalClient(WalCluster cluster, WalClientConfig config) {
        this.cluster = cluster;
        this.config = config;
        RaftProperties p = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(
                p, TimeDuration.valueOf(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(20L << 20));
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 256);
        RetryPolicy retry = ExponentialBackoffRetry.newBuilder()
                .setBaseSleepTime(TimeDuration.valueOf(config.backoffBase().toMillis(), TimeUnit.MILLISECONDS))
                .setMaxSleepTime(TimeDuration.valueOf(config.backoffMax().toMillis(), TimeUnit.MILLISECONDS))
                .setMaxAttempts(config.maxAttempts())
                .build();
        this.properties = p;
        this.retry = retry;
        this.groups = new ClientSlot[cluster.groupCount()];
        for (int i = 0; i < cluster.groupCount(); i++) {
            int g = i;
            groups[i] = new ClientSlot(() -> newRaftClient(g));
        }
    }

    private RaftClient newRaftClient(int group) {
        return RaftClient.newBuilder()
                .setProperties(properties)
                .setRaftGroup(cluster.group(group))
                .setRetryPolicy(retry)
                .build();
    }

    public static WalClient connect(WalCluster cluster, WalClientConfig config) {
        return new WalClient(cluster, config);
    }

    public WalCluster cluster() {
        return cluster;
    }

    public WalClientConfig config() {
        return config;
    }

    java.util.concurrent.Executor callbacks() {
        return callbacks;
    }

    /** The group that holds a timeline: chosen from its id at creation; the catalog records it. */
    public int groupOf(TimelineId tl) {
        byte[] b = tl.toBytes();
        int h = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
        return Math.floorMod(h, cluster.groupCount());
    }

    /**
     * The node that leads a timeline's group right now, asked of each node in turn (for operators
     * and chaos tests); empty when no node answers as leader.
     */
    public java.util.Optional<String> leaderOf(TimelineId tl) {
        return leaderOfGroup(groupOf(tl));
    }

    /** The node that leads group {@code g} right now; empty when no node answers as its leader. */
    public java.util.Optional<String> leaderOfGroup(int g) {
        for (WalCluster.Node n : cluster.nodes()) {
            try {
                var info = groups[g]
                        .get()
                        .getGroupManagementApi(cluster.peerId(n.id()))
                        .info(cluster.groupId(g));
                if (info.getRoleInfoProto().getRole() == org.apache.ratis.proto.RaftProtos.RaftPeerRole.LEADER) {
                    return java.util.Optional.of(n.id());
                }
            } catch (IOException | RuntimeException e) {
                // that node is down or does not answer: ask the next
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Asks each group led by another node than its {@link WalCluster#preferredNode} to hand its
     * leadership over, once, and waits up to {@code transferTimeout} per group (a leader refuses
     * writes meanwhile; the client retries them). A group whose preferred node is down or behind
     * stays where it is: nothing retries the move, so a frozen node can never make a leader step
     * down over and over (what Ratis peer priorities did). Used when a cluster starts ({@code
     * ramify up}) and by benchmarks; returns how many groups are led by their preferred node after.
     */
    public int balanceLeaders(java.time.Duration transferTimeout) {
        int balanced = 0;
        for (int g = 0; g < cluster.groupCount(); g++) {
            String preferred = cluster.preferredNode(g).id();
            java.util.Optional<String> leader = leaderOfGroup(g);
            if (leader.isPresent() && !leader.get().equals(preferred)) {
                try {
                    RaftClientReply r = groups[g]
                            .get()
                            .admin()
                            .transferLeadership(
                                    cluster.peerId(preferred),
                                    cluster.peerId(leader.get()),
                                    transferTimeout.toMillis());
                    if (!r.isSuccess()) {
                        LOG.info("group {}: leadership stays on {}: {}", g, leader.get(), r.getException());
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.info("group {}: leadership stays on {}: {}", g, leader.get(), e.toString());
                }
                leader = leaderOfGroup(g);
            }
            if (leader.map(preferred::equals).orElse(false)) {
                balanced++;
            }
        }
        return balanced;
    }

    /** Bound on one hand-over when {@link #awaitBalancedLeaders} moves a group. */
    static final java.time.Duration LEADER_TRANSFER_TIMEOUT = java.time.Duration.ofSeconds(5);

    /**
     * Calls {@link #balanceLeaders} until every group is led by its preferred node or {@code within}
     * passed (a fresh cluster may still be electing); returns whether all groups are. For cluster
     * start and benchmarks, where every node is up.
     */
    public boolean awaitBalancedLeaders(java.time.Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            if (balanceLeaders(LEADER_TRANSFER_TIMEOUT) == cluster.groupCount()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
    }

    static ByteString id(TimelineId tl) {
        return ByteString.copyFrom(tl.toBytes());
    }

    public CompletableFuture<TimelineStatus> createRoot(TimelineId tl, int shardCount) {
        return write(
                        tl,
                        WriteRequest.newBuilder()
                                .setCreate(CreateTimeline.newBuilder()
                                        .setTimeline(id(tl))
                                        .setShardCount(shardCount)))
                .thenApply(Reply::getStatus);
    }

    /**
     * Creates {@code child} as a fork of {@code parent} at {@code lsn}, which must be the end of a
     * complete record in the parent's durable WAL (use {@link #recordEndAtOrBefore} to snap to one).
     * The fork cut is the last parent op with W below the end of the first record after it (docs/design.md
     * rule 5).
     */
    public CompletableFuture<TimelineStatus> createFork(TimelineId child, TimelineId parent, Lsn lsn, int shardCount) {
        return forkPoint(parent, ForkPoint.newBuilder().setLsn(lsn.value())).thenCompose(point -> {
            if (point.getLsn() != lsn.value()) {
                throw new WalRejectedException(io.ramify.wal.proto.Rejection.newBuilder()
                        .setCode(io.ramify.wal.proto.Rejection.Code.MALFORMED)
                        .setMessage("fork LSN " + lsn + " is not the end of a WAL record of timeline " + parent
                                + "; the nearest record end at or before it is " + Lsn.of(point.getLsn()))
                        .build());
            }
            return createFork(child, parent, point, shardCount);
        });
    }

    /**
     * Creates {@code child} as a fork of {@code parent} at a point {@link #forkPoint} found: one
     * write. A retried create with the same point is answered with the existing timeline; another
     * point for the same child is refused ({@code ALREADY_EXISTS}).
     */
    public CompletableFuture<TimelineStatus> createFork(
            TimelineId child, TimelineId parent, ForkPointReply point, int shardCount) {
        return write(
                        child,
                        WriteRequest.newBuilder()
                                .setCreate(CreateTimeline.newBuilder()
                                        .setTimeline(id(child))
                                        .setParent(id(parent))
                                        .setForkLsn(point.getLsn())
                                        .setForkCut(point.getCut())
                                        .setShardCount(shardCount)
                                        .setWalSegmentSize(point.getWalSegmentSize())
                                        .setForkPagePrefix(point.getPagePrefix())))
                .thenApply(Reply::getStatus);
    }

    /** Where a fork of {@code tl} starts at its head: the record end, its cut, the fork page's prefix. */
    public CompletableFuture<ForkPointReply> forkPointAtHead(TimelineId tl) {
        return forkPoint(tl, ForkPoint.newBuilder().setHead(true));
    }

    /** The same at the last record end at or before {@code lsn}. */
    public CompletableFuture<ForkPointReply> forkPointAtLsn(TimelineId tl, Lsn lsn) {
        return forkPoint(tl, ForkPoint.newBuilder().setLsn(lsn.value()));
    }

    /** The same at the last commit at or before {@code time}. */
    public CompletableFuture<ForkPointReply> forkPointAtTime(TimelineId tl, Instant time) {
        return forkPoint(tl, ForkPoint.newBuilder().setTimeMicros(micros(time)));
    }

    /** One read: where to fork (docs/design.md rule 5), answered from one snapshot of the group. */
    private CompletableFuture<ForkPointReply> forkPoint(TimelineId tl, ForkPoint.Builder at) {
        return query(tl, QueryRequest.newBuilder().setForkPoint(at.setTimeline(id(tl))))
                .thenApply(Reply::getForkPoint);
    }

    private static long micros(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000);
    }

    /** Raises the timeline's generation; older writers are refused from then on. */
    public CompletableFuture<TimelineStatus> claim(TimelineId tl, Generation gen) {
        return write(
                        tl,
                        WriteRequest.newBuilder()
                                .setClaim(Claim.newBuilder().setTimeline(id(tl)).setGeneration(gen.value())))
                .thenApply(Reply::getStatus);
    }

    /** Appends a batch; completes once a Raft majority has committed it (or with a refusal). */
    public CompletableFuture<AppendResult> append(OpBatch batch) {
        TimelineId tl = TimelineId.fromBytes(batch.getTimeline().toByteArray());
        com.codahale.metrics.Timer.Context t = appendLatency.time();
        appendBytes.update(batch.getSerializedSize());
        return write(tl, WriteRequest.newBuilder().setAppend(batch))
                .thenApply(Reply::getAppended)
                .whenComplete((r, e) -> t.stop());
    }

    /** Client-side figures: append-to-commit latency, batch sizes, refusals, unavailability. */
    public com.codahale.metrics.MetricRegistry metrics() {
        return metrics;
    }

    public CompletableFuture<TimelineStatus> ack(TimelineId tl, int shard, Seq seq) {
        return write(
                        tl,
                        WriteRequest.newBuilder()
                                .setAck(Ack.newBuilder()
                                        .setTimeline(id(tl))
                                        .setShard(shard)
                                        .setSeq(seq.value())))
                .thenApply(Reply::getStatus);
    }

    /**
     * Drops WAL of {@code tl} below {@code below}, except what was written within {@code window} or
     * lies at or above the latest checkpoint's redo point; the status says where WAL now starts.
     */
    public CompletableFuture<TimelineStatus> trimWal(TimelineId tl, Lsn below, java.time.Duration window) {
        return write(
                        tl,
                        WriteRequest.newBuilder()
                                .setTrim(TrimWal.newBuilder()
                                        .setTimeline(id(tl))
                                        .setBelowLsn(below.value())
                                        .setKeepWindowMillis(window.toMillis())))
                .thenApply(Reply::getStatus);
    }

    public CompletableFuture<TimelineStatus> status(TimelineId tl) {
        return query(
                        tl,
                        QueryRequest.newBuilder()
                                .setStatus(GetStatus.newBuilder().setTimeline(id(tl))))
                .thenApply(Reply::getStatus);
    }

    /** Own WAL bytes of {@code tl} from {@code lsn}; a fork's bytes below its fork LSN are its parent's. */
    public CompletableFuture<byte[]> readOwnWal(TimelineId tl, Lsn lsn, int maxBytes) {
        return query(
                        tl,
                        QueryRequest.newBuilder()
                                .setReadWal(ReadWal.newBuilder()
                                        .setTimeline(id(tl))
                                        .setLsn(lsn.value())
                                        .setMaxBytes(maxBytes)))
                .thenApply(r -> r.getWal().getData().toByteArray());
    }

    /**
     * WAL as {@code tl} sees it: its own from its fork LSN on, its ancestors' below. Returns
     * contiguous bytes from {@code lsn}, fewer than asked at the end of what is written (and never
     * across a fork LSN in one call).
     */
    public CompletableFuture<byte[]> readWal(TimelineId tl, Lsn lsn, int maxBytes) {
        return status(tl).thenCompose(s -> {
            if (!s.getParent().isEmpty() && lsn.value() < s.getForkLsn()) {
                int n = (int) Math.min(maxBytes, s.getForkLsn() - lsn.value());
                return readWal(TimelineId.fromBytes(s.getParent().toByteArray()), lsn, n);
            }
            return readOwnWal(tl, lsn, maxBytes);
        });
    }

    /** Exactly {@code len} bytes of WAL as {@code tl} sees it from {@code lsn}, across fork points. */
    public CompletableFuture<byte[]> readWalFully(TimelineId tl, Lsn lsn, int len) {
        if (len == 0) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
        return readWal(tl, lsn, len).thenCompose(first -> {
            if (first.length == 0) {
                throw new WalRejectedException(io.ramify.wal.proto.Rejection.newBuilder()
                        .setCode(io.ramify.wal.proto.Rejection.Code.BEYOND_END)
                        .setMessage("WAL of timeline " + tl + " ends before " + lsn.plus(len))
                        .build());
            }
            return readWalFully(tl, lsn.plus(first.length), len - first.length).thenApply(rest -> {
                byte[] all = Arrays.copyOf(first, len);
                System.arraycopy(rest, 0, all, first.length, rest.length);
                return all;
            });
        });
    }

    public CompletableFuture<OpsChunk> readOps(
            TimelineId tl, int shard, int shardCount, Seq from, int maxBytes, int maxOps) {
        return readOps(tl, shard, shardCount, from, maxBytes, maxOps, java.time.Duration.ZERO);
    }

    /**
     * Like {@link #readOps(TimelineId, int, int, Seq, int, int)}, but a long poll: when the timeline
     * has nothing at or beyond {@code from} yet, the group's leader answers once the next append to
     * it is applied, or after {@code wait} (at most {@link WalLimits#READ_WAIT_MILLIS_MAX}; it must
     * stay below this client's request timeout), with an empty chunk.
     */
    public CompletableFuture<OpsChunk> readOps(
            TimelineId tl, int shard, int shardCount, Seq from, int maxBytes, int maxOps, java.time.Duration wait) {
        if (wait.toMillis() > WalLimits.READ_WAIT_MILLIS_MAX || wait.compareTo(config.requestTimeout()) >= 0) {
            throw new IllegalArgumentException("a read waits at most " + WalLimits.READ_WAIT_MILLIS_MAX
                    + " ms and less than the request timeout " + config.requestTimeout() + ", asked " + wait);
        }
        QueryRequest.Builder q = QueryRequest.newBuilder()
                .setReadOps(ReadOps.newBuilder()
                        .setTimeline(id(tl))
                        .setShard(shard)
                        .setShardCount(shardCount)
                        .setFromSeq(from.value())
                        .setMaxBytes(maxBytes)
                        .setMaxOps(maxOps)
                        .setWaitMillis((int) wait.toMillis()));
        return (wait.isZero() ? query(tl, q) : parkedQuery(tl, q)).thenApply(Reply::getOps);
    }

    public CompletableFuture<Lsn> recordEndAtOrBefore(TimelineId tl, Lsn lsn) {
        return query(
                        tl,
                        QueryRequest.newBuilder()
                                .setRecordEnd(RecordEnd.newBuilder()
                                        .setTimeline(id(tl))
                                        .setLsn(lsn.value())))
                .thenApply(r -> Lsn.of(r.getLsn().getLsn()));
    }

    /** The end of the last commit record at or before {@code time}: the LSN to branch at for a time. */
    public CompletableFuture<Lsn> lsnForTime(TimelineId tl, Instant time) {
        return query(
                        tl,
                        QueryRequest.newBuilder()
                                .setLsnForTime(LsnForTime.newBuilder()
                                        .setTimeline(id(tl))
                                        .setTimeMicros(micros(time))))
                .thenApply(r -> Lsn.of(r.getLsn().getLsn()));
    }

    /** The last seq of {@code tl} whose W is at or below {@code lsn}. */
    public CompletableFuture<Seq> cutFor(TimelineId tl, Lsn lsn) {
        return query(
                        tl,
                        QueryRequest.newBuilder()
                                .setCutFor(
                                        CutFor.newBuilder().setTimeline(id(tl)).setLsn(lsn.value())))
                .thenApply(r -> Seq.of(r.getCut().getCut()));
    }

    public CompletableFuture<List<io.ramify.wal.proto.Checkpoint>> checkpoints(TimelineId tl) {
        return query(
                        tl,
                        QueryRequest.newBuilder()
                                .setCheckpoints(io.ramify.wal.proto.ListCheckpoints.newBuilder()
                                        .setTimeline(id(tl))))
                .thenApply(r -> r.getCheckpoints().getCheckpointsList());
    }

    /** Every timeline of every group, with its counters (parent, fork point, last seq, acks). */
    public CompletableFuture<List<TimelineStatus>> listTimelines() {
        List<CompletableFuture<List<TimelineStatus>>> parts = new ArrayList<>();
        for (int g = 0; g < groups.length; g++) {
            parts.add(listGroup(g, com.google.protobuf.ByteString.EMPTY, new ArrayList<>()));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<TimelineStatus> all = new ArrayList<>();
            parts.forEach(p -> all.addAll(p.join()));
            return all;
        });
    }

    private CompletableFuture<List<TimelineStatus>> listGroup(
            int g, com.google.protobuf.ByteString after, List<TimelineStatus> acc) {
        QueryRequest q = QueryRequest.newBuilder()
                .setListTimelines(io.ramify.wal.proto.ListTimelines.newBuilder()
                        .setAfter(after)
                        .setMax(WalLimits.TIMELINES_LISTED_MAX))
                .build();
        Message m = message(q.toByteArray());
        return retryingStepDown(
                        () -> {
                            RaftClient c = groups[g].get();
                            return unwrap(c.async().sendReadOnly(m), g, c, "group " + g);
                        },
                        1)
                .thenCompose(r -> {
                    acc.addAll(r.getTimelines().getTimelinesList());
                    if (!r.getTimelines().getMore() || acc.isEmpty()) {
                        return CompletableFuture.completedFuture(acc);
                    }
                    return listGroup(g, acc.getLast().getTimeline(), acc);
                });
    }

    /** A batching writer for one timeline and generation, after a successful claim. */
    public TimelineWriter writer(TimelineId tl, Generation gen, TimelineStatus claimed) {
        return new TimelineWriter(this, tl, gen, claimed);
    }

    CompletableFuture<Reply> write(TimelineId tl, WriteRequest.Builder req) {
        return send(tl, req.build().toByteArray(), (c, m) -> c.async().send(m));
    }

    private CompletableFuture<Reply> query(TimelineId tl, QueryRequest.Builder req) {
        return send(tl, req.build().toByteArray(), (c, m) -> c.async().sendReadOnly(m));
    }

    /**
     * A query the leader may hold (a long poll), sent outside the client's ordered stream: Ratis
     * answers that stream's requests in the order they were sent, so a parked read there held up
     * every later request of this process to the group (reads, acks, listings) until it was answered.
     * Sent with Ratis's blocking API (a gRPC stream of its own per call, Ratis's retries) on a thread
     * of this client's, not with {@code async().sendReadOnlyUnordered}: Ratis hands every reply of
     * that one on with {@code whenCompleteAsync} on the common ForkJoinPool, so while other code of
     * the process held the pool's workers no long poll ever returned. bench/compute hung so at its
     * fork: the compute's start ran on the pool's only worker (2 CPUs) waiting for Postgres, whose
     * reads waited for the shards in the same JVM to ingest the fork, which only its followers'
     * long polls would.
     */
    private CompletableFuture<Reply> parkedQuery(TimelineId tl, QueryRequest.Builder req) {
        return send(
                tl,
                req.build().toByteArray(),
                (c, m) -> onOwnThread(() -> {
                    try {
                        return c.io().sendReadOnly(m);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                }));
    }

    /** {@code call} on a thread of this client's; failed with {@link WalUnavailableException} once closed. */
    private <T> CompletableFuture<T> onOwnThread(java.util.function.Supplier<T> call) {
        try {
            return CompletableFuture.supplyAsync(call, ownThreads);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(new WalUnavailableException("ratis-wal client is closed", closed));
        }
    }

    /** Completes after {@code delayMs}, on a thread of this client's (see {@link #ownThreads}). */
    private CompletableFuture<Void> later(long delayMs) {
        return onOwnThread(() -> {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                throw new CompletionException(new WalUnavailableException("ratis-wal client is closed", e));
            }
            return null;
        });
    }

    /** Sends {@code body} to {@code tl}'s group the way {@code how} does, retried over step-downs. */
    private CompletableFuture<Reply> send(
            TimelineId tl,
            byte[] body,
            java.util.function.BiFunction<RaftClient, Message, CompletableFuture<RaftClientReply>> how) {
        int g = groupOf(tl);
        Message m = message(body);
        return retryingStepDown(
                () -> {
                    RaftClient c = groups[g].get();
                    return unwrap(how.apply(c, m), g, c, "group " + g + " of timeline " + tl.shortForm());
                },
                1);
    }

    /**
     * Attempts of a request that a leader refused because it was stepping down or handing over
     * leadership. Ratis's asynchronous client does not retry those (its blocking one does): a
     * leader refuses writes while it hands its group over ({@link #balanceLeaders}), and a request
     * sent then failed for good (CI saw it). The refused request was never appended, so it
     * is sent again, for at most {@link #STEP_DOWN_RETRY_WINDOW}: longer than a leadership transfer
     * may take plus an election.
     */
    static final int STEP_DOWN_ATTEMPTS_MAX = 60;

    static final java.time.Duration STEP_DOWN_RETRY_WINDOW = java.time.Duration.ofSeconds(30);

    private <T> CompletableFuture<T> retryingStepDown(
            java.util.function.Supplier<CompletableFuture<T>> call, int attempt) {
        return retryingStepDown(call, attempt, System.nanoTime() + STEP_DOWN_RETRY_WINDOW.toNanos());
    }

    private <T> CompletableFuture<T> retryingStepDown(
            java.util.function.Supplier<CompletableFuture<T>> call, int attempt, long deadlineNanos) {
        return call.get().exceptionallyCompose(e -> {
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            boolean steppingDown = c instanceof WalUnavailableException
                    && (c.getCause() instanceof org.apache.ratis.protocol.exceptions.LeaderSteppingDownException
                            || c.getCause()
                                    instanceof org.apache.ratis.protocol.exceptions.TransferLeadershipException);
            if (!steppingDown || attempt >= STEP_DOWN_ATTEMPTS_MAX || System.nanoTime() > deadlineNanos) {
                return CompletableFuture.failedFuture(c);
            }
            long delayMs = Math.min(
                    config.backoffMax().toMillis(), config.backoffBase().toMillis() << attempt);
            return later(delayMs).thenCompose(x -> retryingStepDown(call, attempt + 1, deadlineNanos));
        });
    }

    /** {@code b} is always a fresh {@code toByteArray()}: wrapped, not copied. */
    private static Message message(byte[] b) {
        return RatisBytes.message(b);
    }

    private CompletableFuture<Reply> unwrap(
            CompletableFuture<RaftClientReply> f, int group, RaftClient used, String where) {
        return f.handle((r, err) -> {
            if (err != null) {
                unavailable.inc();
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                groups[group].replaceIfClosed(used, cause);
                throw new WalUnavailableException("ratis-wal " + where + " did not answer: " + cause, cause);
            }
            if (!r.isSuccess()) {
                unavailable.inc();
                groups[group].replaceIfClosed(used, r.getException());
                throw new WalUnavailableException(
                        "ratis-wal " + where + " failed: " + r.getException(), r.getException());
            }
            Reply reply;
            try {
                // In place: a read's ops (up to a MiB) are views of the reply, not copies.
                reply = Reply.parseFrom(RatisBytes.aliasingInput(r.getMessage().getContent()));
            } catch (java.io.IOException e) { // InvalidProtocolBufferException: an array input has no other I/O
                throw new IllegalStateException("ratis-wal sent a reply that does not parse", e);
            }
            if (reply.hasRejected()) {
                rejections.inc();
                throw new WalRejectedException(reply.getRejected());
            }
            return reply;
        });
    }

    /** Waits for a future, turning its failure back into the exception the caller can act on. */
    public static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalUnavailableException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new WalUnavailableException(c.toString(), c);
        }
    }

    @Override
    public void close() throws IOException {
        for (ClientSlot c : groups) {
            c.close();
        }
        ownThreads.shutdownNow(); // long polls in flight end as unavailable
        callbacks.shutdown();
    }
}
