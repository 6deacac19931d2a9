package io.ramify.adapter.backend;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreException;
import io.ramify.pagestore.proto.Block;
import io.ramify.pagestore.proto.FileStat;
import io.ramify.pagestore.proto.View;
import io.ramify.pagestore.proto.ViewLevel;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.TimelineStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A compute's state in the cluster: ops go to ratis-wal through a {@link TimelineWriter} of the
 * claimed generation; blocks and the tree come from the page stores for the compute's view (its
 * own timeline at its head, its ancestors at their fork cuts); WAL from ratis-wal along the
 * ancestry. A read that must reflect this compute's own writes first waits for them to be durable,
 * since page stores only ingest committed ops.
 *
 * <p>Figures: {@code adapter.pagestore.get_block} (each GetBlock call), {@code
 * adapter.read.own_ops_wait} (reads that first waited for this compute's ops to be durable), {@code
 * adapter.wal.read}, {@code adapter.ops.not_durable} (ops submitted and not yet committed), and the
 * WAL client's {@code wal.client.*} (append-to-commit latency, batch sizes).
 */
public final class ClusterBackend implements Backend {
    /** The own level's cut: everything this timeline holds (reads say how far they must see). */
    static final long HEAD = Long.MAX_VALUE;

    static final long DURABLE_WAIT_MAX_SECONDS = 60;
    /** Where pg_control keeps the redo pointer of its latest checkpoint (checkPointCopy.redo). */
    static final int PG_CONTROL_REDO_OFFSET = 40;

    private final WalClient wal;
    private final PageStoreClient pages;
    private final TimelineId timeline;
    private final TimelineStatus claimed;
    private final TimelineWriter writer;
    private final View view;
    private final Timer getBlock = new Timer();
    private final Timer getBlocks = new Timer();
    private final Timer ownOpsWait = new Timer();
    private final Timer walRead = new Timer();

    /**
     * @param ancestry the parent levels of the view (parent at this timeline's fork cut, and so on)
     */
    public ClusterBackend(
            WalClient wal,
            PageStoreClient pages,
            TimelineId timeline,
            TimelineStatus claimed,
            TimelineWriter writer,
            List<ViewLevel> ancestry) {
        this.wal = wal;
        this.pages = pages;
        this.timeline = timeline;
        this.claimed = claimed;
        this.writer = writer;
        List<ViewLevel> levels = new ArrayList<>();
        levels.add(io.ramify.pagestore.client.Views.level(timeline, HEAD));
        levels.addAll(ancestry);
        this.view = View.newBuilder().addAllLevels(levels).build();
    }

    @Override
    public List<Entry> listTree() throws IOException {
        try {
            List<Entry> out = new ArrayList<>();
            for (FileStat f : pages.listTree(view, claimed.getLastSeq())) {
                out.add(new Entry(f.getPath(), f.getDirectory(), f.getSize()));
            }
            return out;
        } catch (PageStoreException e) {
            throw new IOException("cannot list the data directory of timeline " + timeline + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] readBlock(String path, long block, long minSeq) throws IOException {
        long need = Math.max(minSeq, claimed.getLastSeq());
        awaitDurable(need);
        try (Timer.Context t = getBlock.time()) {
            Block b = pages.getBlock(view, path, block, need);
            return b.getPresent() ? b.getImage().toByteArray() : null;
        } catch (PageStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public List<byte[]> readBlocks(String path, long first, int count, long minSeq) throws IOException {
        long need = Math.max(minSeq, claimed.getLastSeq());
        awaitDurable(need);
        List<io.ramify.pagestore.proto.BlockRef> refs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            refs.add(io.ramify.pagestore.proto.BlockRef.newBuilder()
                    .setFile(path)
                    .setBlock(first + i)
                    .build());
        }
        try (Timer.Context t = getBlocks.time()) {
            List<byte[]> out = new ArrayList<>(count);
            for (Block b : pages.getBlocks(view, refs, need)) {
                out.add(b.getPresent() ? b.getImage().toByteArray() : null);
            }
            return out;
        } catch (PageStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private void awaitDurable(long seq) throws IOException {
        if (seq <= writer.durableSeq()) {
            return;
        }
        try (Timer.Context t = ownOpsWait.time()) {
            writer.durable(seq).get(DURABLE_WAIT_MAX_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (Exception e) {
            throw new IOException(
                    "ops of timeline " + timeline.shortForm() + " up to seq " + seq + " did not become durable: "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public long submit(Op op) {
        return writer.submit(op);
    }

    @Override
    public long submitAtomically(List<Op> ops) {
        return writer.submitAtomically(ops);
    }

    @Override
    public CompletableFuture<Long> durable(long seq) {
        return writer.durable(seq);
    }

    @Override
    public long lastSubmitted() {
        return writer.lastSubmittedSeq();
    }

    @Override
    public byte[] readWal(long lsn, int len) throws IOException {
        awaitDurable(writer.lastSubmittedSeq());
        try (Timer.Context t = walRead.time()) {
            byte[] out = new byte[len];
            int n = 0;
            while (n < len) {
                byte[] part = WalClient.await(wal.readWal(timeline, Lsn.of(lsn + n), len - n));
                if (part.length == 0) {
                    break;
                }
                System.arraycopy(part, 0, out, n, part.length);
                n += part.length;
            }
            return n == len ? out : java.util.Arrays.copyOf(out, n);
        } catch (RuntimeException e) {
            throw new IOException(
                    "cannot read WAL of timeline " + timeline.shortForm() + " at " + Lsn.of(lsn) + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public int walSegmentSize() {
        return claimed.getWalSegmentSize();
    }

    @Override
    public long walEnd() {
        return Math.max(claimed.getMaxWalEnd(), Math.max(claimed.getWalWrittenEnd(), claimed.getForkLsn()));
    }

    @Override
    public void registerMetrics(MetricRegistry into) {
        into.register("adapter.pagestore.get_block", getBlock);
        into.register("adapter.pagestore.get_blocks_batch", getBlocks);
        into.register("adapter.read.own_ops_wait", ownOpsWait);
        into.register("adapter.wal.read", walRead);
        into.register("adapter.ops.not_durable", (Gauge<Long>) () -> writer.lastSubmittedSeq() - writer.durableSeq());
        wal.metrics().getMetrics().forEach(into::register);
    }

    /** The redo point named by global/pg_control in the image: recovery starts there. */
    @Override
    public long walStart() throws IOException {
        byte[] control = readBlock("global/pg_control", 0, 0);
        if (control == null) {
            return walEnd();
        }
        return ByteBuffer.wrap(control, PG_CONTROL_REDO_OFFSET, 8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
    }
}
