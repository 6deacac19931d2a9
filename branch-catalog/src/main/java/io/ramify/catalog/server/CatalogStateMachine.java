package io.ramify.catalog.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.WriteRequest;
import io.ramify.kv.RocksKv;
import io.ramify.kv.Writes;
import io.ramify.wal.server.GroupDb;
import io.ramify.wal.server.RocksStateMachine;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Ratis shell around {@link CatalogState}: the leader stamps its clock into each command,
 * every replica applies the committed command through the core and commits its writes with the
 * entry's index in one RocksDB batch (nothing but the index for a refused command), and queries
 * are answered from a RocksDB snapshot. Storage, snapshots and snapshot installation are {@link
 * RocksStateMachine}'s, as for the WAL groups.
 */
final class CatalogStateMachine extends RocksStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogStateMachine.class);
  /** An apply slower than this is logged: it holds up every later catalog command. */
  static final long SLOW_APPLY_MS = 200;

  private final MetricRegistry metrics;
  private final CatalogState core;
  private Timer applyTimer;
  private Counter rejections;
  private Counter duplicates;

  CatalogStateMachine(MetricRegistry metrics, CatalogState core) {
    this.metrics = metrics;
    this.core = core;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    applyTimer = metrics.timer("catalog.apply");
    rejections = metrics.counter("catalog.rejections");
    duplicates = metrics.counter("catalog.duplicate_requests");
    super.initialize(server, groupId, raftStorage);
  }

  @Override
  protected CompletableFuture<Message> apply(TermIndex ti, ByteString data) {
    long started = System.nanoTime();
    Reply reply;
    try (Timer.Context t = applyTimer.time(); RocksKv base = RocksKv.latest(db().rocks())) {
      Writes writes = new Writes(base);
      try {
        reply = core.apply(WriteRequest.parseFrom(data.asReadOnlyByteBuffer()), writes);
      } catch (InvalidProtocolBufferException e) {
        reply = CatalogState.malformed("catalog command does not parse: " + e.getMessage());
      }
      if (reply.hasRejected()) {
        rejections.inc();
        LOG.debug("{}: entry {} refused: {}", getGroupId(), ti, reply.getRejected().getMessage());
      } else if (reply.getDuplicate()) {
        duplicates.inc();
      }
      db().commit(reply.hasRejected() ? null : writes, ti);
    }
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    if (tookMs >= SLOW_APPLY_MS) {
      LOG.warn("{}: applying catalog entry {} took {} ms", getGroupId(), ti, tookMs);
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.toByteArray())));
  }

  /** This replica's database, for tests that compare replicas byte for byte; null while reloading. */
  GroupDb database() {
    return db();
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    GroupDb d = db();
    if (d == null) {
      return CompletableFuture.failedFuture(new IOException(getGroupId() + ": catalog is being reloaded"));
    }
    Reply reply;
    try (RocksKv snap = RocksKv.snapshot(d.rocks())) {
      reply = CatalogQueries.answer(QueryRequest.parseFrom(request.getContent().asReadOnlyByteBuffer()), snap);
    } catch (InvalidProtocolBufferException e) {
      reply = CatalogState.malformed("catalog query does not parse: " + e.getMessage());
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.toByteArray())));
  }
}
