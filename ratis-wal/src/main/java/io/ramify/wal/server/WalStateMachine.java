package io.ramify.wal.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ramify.kv.Kv;
import io.ramify.kv.Writes;
import io.ramify.raft.client.RatisBytes;
import io.ramify.raft.host.RocksStateMachine;
import io.ramify.wal.core.OpLog;
import io.ramify.wal.core.Queries;
import io.ramify.wal.proto.QueryRequest;
import io.ramify.wal.proto.Rejection;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.WriteRequest;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Ratis shell around {@link OpLog}: decodes a committed entry in place and lets the core
 * compute its writes ({@link RocksStateMachine} commits them with the entry's index), answers
 * queries from a RocksDB snapshot, and parks page stores' long polls until the next append.
 */
final class WalStateMachine extends RocksStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(WalStateMachine.class);
    /** An apply slower than this is logged: it holds up every later entry of the group. */
    static final long SLOW_APPLY_MS = 500;
    /** A request larger than this is logged: batches are meant to stay near 1 MiB. */
    static final int LARGE_REQUEST_BYTES = 2 << 20;

    private final MetricRegistry metrics;
    private Histogram batchBytes;
    private Counter appendedBytes;
    private Counter queries;
    private Counter longPolls;
    /** Readers of this group waiting for its next append (long polls of page stores). */
    private final ReadWaits waits = new ReadWaits();
    /** Answers woken long polls, off Ratis's apply thread; one thread, as reads are short. */
    private final java.util.concurrent.ExecutorService longPollAnswers =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "wal-long-poll-answers");
                t.setDaemon(true);
                return t;
            });

    WalStateMachine(MetricRegistry metrics) {
        super(metrics, WalStateMachine::metricPrefix, SLOW_APPLY_MS);
        this.metrics = metrics;
    }

    /** {@code wal.group_<first 8 hex digits of the group id>}. */
    static String metricPrefix(RaftGroupId groupId) {
        return "wal.group_" + groupId.getUuid().toString().substring(0, 8);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        String g = metricPrefix(groupId);
        batchBytes = metrics.histogram(g + ".batch_bytes");
        appendedBytes = metrics.counter(g + ".appended_bytes");
        queries = metrics.counter(g + ".queries");
        longPolls = metrics.counter(g + ".long_polls");
        metrics.gauge(g + ".long_polls_waiting", () -> waits::waiting);
        super.initialize(server, groupId, raftStorage);
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        int size = request.getMessage().getContent().size();
        if (size > LARGE_REQUEST_BYTES) {
            LOG.warn("{}: request of {} bytes from {}", getGroupId(), size, request.getClientId());
        }
        return super.startTransaction(request);
    }

    @Override
    protected Applied applyCommand(ByteString data, Writes writes) {
        Reply reply;
        com.google.protobuf.ByteString woken = null; // the timeline appended to, whose readers wake
        try {
            WriteRequest req = WriteRequest.parseFrom(RatisBytes.aliasingInput(data));
            reply = OpLog.apply(req, writes);
            if (req.hasAppend() && !reply.hasRejected()) {
                // A copy: the parsed request's bytes are views of the log entry (RatisBytes).
                woken = com.google.protobuf.ByteString.copyFrom(
                        req.getAppend().getTimeline().toByteArray());
                batchBytes.update(data.size());
                appendedBytes.inc(data.size());
            }
        } catch (IOException e) { // InvalidProtocolBufferException: an array input has no other I/O
            reply = rejection("write request does not parse: " + e.getMessage());
        }
        String refusal = reply.hasRejected() ? reply.getRejected().getMessage() : null;
        com.google.protobuf.ByteString wake = woken;
        return new Applied(reply.toByteArray(), refusal, wake == null ? () -> {} : () -> waits.wake(wake));
    }

    static Reply rejection(String message) {
        return Reply.newBuilder()
                .setRejected(
                        Rejection.newBuilder().setCode(Rejection.Code.MALFORMED).setMessage(message))
                .build();
    }

    @Override
    protected byte[] answer(ByteString query, Kv snapshot) {
        Reply reply;
        try {
            reply = Queries.answer(
                    QueryRequest.parseFrom(query.asReadOnlyByteBuffer()), snapshot, System.currentTimeMillis());
        } catch (InvalidProtocolBufferException e) {
            reply = rejection("query does not parse: " + e.getMessage());
        }
        return reply.toByteArray();
    }

    /** A long poll ({@code ReadOps} with a wait) may be parked; any other query is answered at once. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        queries.inc();
        QueryRequest q;
        try {
            q = QueryRequest.parseFrom(request.getContent().asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            return super.query(request); // refused there, alike
        }
        if (q.hasReadOps() && q.getReadOps().getWaitMillis() > 0) {
            return longPoll(q);
        }
        return super.query(request);
    }

    private CompletableFuture<Message> answer(QueryRequest q) {
        try {
            return CompletableFuture.completedFuture(message(reply(q)));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Reply reply(QueryRequest q) throws IOException {
        return fromSnapshot(snap -> Queries.answer(q, snap, System.currentTimeMillis()));
    }

    /**
     * A {@code ReadOps} that may wait: registered first, then answered at once if the timeline has
     * anything at or beyond {@code from_seq} (or the read is refused); otherwise answered after the
     * next append to the timeline is applied, or when the wait runs out (then empty). The answer
     * after a wake is computed on {@link #longPollAnswers}, never on Ratis's apply thread.
     */
    private CompletableFuture<Message> longPoll(QueryRequest q) {
        CompletableFuture<Void> woken =
                waits.register(q.getReadOps().getTimeline(), q.getReadOps().getWaitMillis());
        Reply now;
        try {
            now = reply(q);
        } catch (IOException e) {
            if (woken != null) {
                woken.complete(null); // unregisters
            }
            return CompletableFuture.failedFuture(e);
        }
        boolean news =
                now.hasRejected() || now.getOps().getNextSeq() > q.getReadOps().getFromSeq();
        if (woken == null || news) {
            if (woken != null) {
                woken.complete(null);
            }
            return CompletableFuture.completedFuture(message(now));
        }
        longPolls.inc();
        return woken.thenComposeAsync(v -> answer(q), longPollAnswers);
    }

    private static Message message(Reply reply) {
        // The reply's array is new and never changed: wrap it instead of copying it (read replies carry
        // up to a MiB of ops).
        return RatisBytes.message(reply.toByteArray());
    }

    @Override
    public void pause() {
        waits.wakeAll();
        super.pause();
    }

    @Override
    public void close() throws IOException {
        waits.wakeAll();
        super.close();
        longPollAnswers.shutdown();
    }
}
