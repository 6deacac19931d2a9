package io.ramify.wal.server;

import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.wal.proto.Ack;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import io.ramify.wal.proto.TrimWal;
import io.ramify.kv.Writes;

/**
 * What may be dropped from the log: non-WAL ops once every page-store shard has acknowledged them
 * (they are then durable in the page stores), and WAL below a trim point the retention policy
 * chose.
 */
final class Acks {
  private Acks() {}

  static Reply ack(Ack a, Writes w) throws Rejected {
    TimelineId tl = OpLog.timelineId(a.getTimeline());
    TimelineStatus s = OpLog.load(tl, w);
    if (a.getShard() >= s.getShardCount()) {
      throw new Rejected(Code.MALFORMED, "timeline " + tl + " has " + s.getShardCount() + " shards; shard "
          + a.getShard() + " does not exist");
    }
    if (a.getSeq() > s.getLastSeq()) {
      throw new Rejected(Code.BEYOND_END, "shard " + a.getShard() + " acknowledges seq " + a.getSeq()
          + " of timeline " + tl + " but the last seq is " + s.getLastSeq());
    }
    if (a.getSeq() <= s.getShardAcks(a.getShard())) {
      return Reply.newBuilder().setStatus(s).build(); // an old or repeated ack changes nothing
    }
    TimelineStatus.Builder b = s.toBuilder().setShardAcks(a.getShard(), a.getSeq());
    long all = b.getShardAcksList().stream().mapToLong(Long::longValue).min().orElse(0);
    if (all > s.getAckedByAll()) {
      w.deleteRange(Keys.of(Keys.OP, tl, s.getAckedByAll() + 1), Keys.of(Keys.OP, tl, all + 1));
      b.setAckedByAll(all);
    }
    TimelineStatus ns = b.build();
    OpLog.save(tl, ns, w);
    return Reply.newBuilder().setStatus(ns).build();
  }

  /**
   * Drops WAL below {@code below_lsn}. Recovery of the head needs WAL from the redo point of its
   * latest checkpoint, so trimming above it is refused; which older WAL children and the history
   * window still need is the caller's (the catalog's) decision.
   */
  static Reply trim(TrimWal t, Writes w) throws Rejected {
    TimelineId tl = OpLog.timelineId(t.getTimeline());
    TimelineStatus s = OpLog.load(tl, w);
    long below = t.getBelowLsn() / io.ramify.wal.client.WalLimits.WAL_PAGE_SIZE
        * io.ramify.wal.client.WalLimits.WAL_PAGE_SIZE;
    if (below > s.getLatestCheckpointRedo()) {
      throw new Rejected(Code.OUT_OF_WINDOW, "cannot trim WAL of timeline " + tl + " below " + Lsn.of(below)
          + ": recovery needs WAL from the latest checkpoint's redo point " + Lsn.of(s.getLatestCheckpointRedo()));
    }
    if (below <= s.getWalTrimmedBelow()) {
      return Reply.newBuilder().setStatus(s).build();
    }
    long fromPage = WalArchive.ownStart(s) / io.ramify.wal.client.WalLimits.WAL_PAGE_SIZE;
    long toPage = below / io.ramify.wal.client.WalLimits.WAL_PAGE_SIZE;
    w.deleteRange(Keys.of(Keys.PAGE, tl, fromPage), Keys.of(Keys.PAGE, tl, toPage));
    w.deleteRange(Keys.of(Keys.PAGE_TIME, tl, fromPage), Keys.of(Keys.PAGE_TIME, tl, toPage));
    TimelineStatus ns = s.toBuilder().setWalTrimmedBelow(below).build();
    OpLog.save(tl, ns, w);
    return Reply.newBuilder().setStatus(ns).build();
  }
}
