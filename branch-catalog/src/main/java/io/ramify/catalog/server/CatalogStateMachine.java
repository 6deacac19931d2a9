package io.ramify.catalog.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ramify.catalog.core.CatalogQueries;
import io.ramify.catalog.core.CatalogState;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.WriteRequest;
import io.ramify.kv.Kv;
import io.ramify.kv.Writes;
import io.ramify.raft.host.GroupDb;
import io.ramify.raft.host.RocksStateMachine;
import java.io.IOException;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The thin Ratis shell around {@link CatalogState}: decodes a committed command and lets the core
 * compute its writes; queries are answered by {@link CatalogQueries} from a RocksDB snapshot.
 * Clock stamping, commits with the entry's index, storage, snapshots and their installation are
 * {@link RocksStateMachine}'s, as for the WAL groups.
 */
final class CatalogStateMachine extends RocksStateMachine {
    /** An apply slower than this is logged: it holds up every later catalog command. */
    static final long SLOW_APPLY_MS = 200;

    private final MetricRegistry metrics;
    private final CatalogState core;
    private Counter duplicates;

    CatalogStateMachine(MetricRegistry metrics, CatalogState core) {
        super(metrics, groupId -> "catalog", SLOW_APPLY_MS);
        this.metrics = metrics;
        this.core = core;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        duplicates = metrics.counter("catalog.duplicate_requests");
        super.initialize(server, groupId, raftStorage);
    }

    @Override
    protected Applied applyCommand(ByteString data, Writes writes) {
        Reply reply;
        try {
            reply = core.apply(WriteRequest.parseFrom(data.asReadOnlyByteBuffer()), writes);
        } catch (InvalidProtocolBufferException e) {
            reply = CatalogState.malformed("catalog command does not parse: " + e.getMessage());
        }
        if (reply.getDuplicate()) {
            duplicates.inc();
        }
        return Applied.of(
                reply.toByteArray(), reply.hasRejected() ? reply.getRejected().getMessage() : null);
    }

    @Override
    protected byte[] answer(ByteString query, Kv snapshot) {
        Reply reply;
        try {
            reply = CatalogQueries.answer(QueryRequest.parseFrom(query.asReadOnlyByteBuffer()), snapshot);
        } catch (InvalidProtocolBufferException e) {
            reply = CatalogState.malformed("catalog query does not parse: " + e.getMessage());
        }
        return reply.toByteArray();
    }

    /** This replica's database, for tests that compare replicas byte for byte; null while reloading. */
    GroupDb database() {
        return db();
    }
}
