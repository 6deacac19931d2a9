package io.ramify.adapter.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.ramify.adapter.backend.Backend;
import io.ramify.adapter.backend.MemoryBackend;
import io.ramify.wal.proto.Op;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The data directory's figures: block-cache hits and misses, and ops by kind. */
class DataDirMetricsTest {
    @Test
    void cacheHitsMissesAndOpsByKind() throws Exception {
        MemoryBackend backend = new MemoryBackend(16 << 20);
        DataDir first = new DataDir(backend, 1L << 20);
        first.mkdir("base");
        first.create("base/1");
        first.write("base/1", new byte[DataDir.BLOCK], DataDir.BLOCK, 0); // a whole block: no lookup
        first.write("base/1", new byte[100], 100, 10); // merged with the cached block: a hit
        MetricRegistry m = first.metrics();
        assertEquals(1, m.counter("adapter.cache.hits").getCount());
        assertEquals(0, m.counter("adapter.cache.misses").getCount());
        assertEquals(3, m.counter("adapter.ops.file").getCount(), "mkdir, create, extend");
        assertEquals(2, m.counter("adapter.ops.block").getCount());

        // A fresh mount of the same state has an empty cache: the first read misses, the second hits.
        DataDir second = new DataDir(backend, 1L << 20);
        byte[] buf = new byte[DataDir.BLOCK];
        second.read("base/1", buf, DataDir.BLOCK, 0);
        second.read("base/1", buf, DataDir.BLOCK, 0);
        MetricRegistry m2 = second.metrics();
        assertEquals(1, m2.counter("adapter.cache.misses").getCount());
        assertEquals(1, m2.counter("adapter.cache.hits").getCount());
        assertEquals(0.5, (Double) ((Gauge<?>) m2.getGauges().get("adapter.cache.hit_ratio")).getValue(), 1e-9);
        assertEquals((long) DataDir.BLOCK, ((Gauge<?>) m2.getGauges().get("adapter.cache.bytes")).getValue());
        assertEquals(1, m2.timer("adapter.load").getCount());
    }

    @Test
    void partialWritesPastTheOldEndFetchNothing() throws Exception {
        MemoryBackend backend = new MemoryBackend(16 << 20);
        DataDir first = new DataDir(backend, 1L << 20);
        first.mkdir("global");
        first.create("global/pg_internal.init");
        byte[] head = new byte[5000];
        java.util.Arrays.fill(head, (byte) 7);
        first.write("global/pg_internal.init", head, head.length, 0);

        // A fresh mount (empty cache) appends in small pieces, as Postgres writes pg_internal.init.
        DataDir second = new DataDir(backend, 1L << 20);
        byte[] piece = new byte[3000];
        java.util.Arrays.fill(piece, (byte) 9);
        second.write("global/pg_internal.init", piece, piece.length, 5000); // straddles the old end: one fetch
        second.write("global/pg_internal.init", piece, piece.length, 8000); // in part past the end: cached
        second.write("global/pg_internal.init", piece, 100, 3 * DataDir.BLOCK + 50); // wholly past the end
        assertEquals(
                1, second.metrics().counter("adapter.cache.misses").getCount(), "only the block holding old bytes");
        byte[] back = new byte[3 * DataDir.BLOCK + 150];
        assertEquals(back.length, second.read("global/pg_internal.init", back, back.length, 0));
        for (int i = 0; i < back.length; i++) {
            int want = i < 5000 ? 7 : i < 11000 ? 9 : i < 3 * DataDir.BLOCK + 50 ? 0 : 9;
            assertEquals(want, back[i], "byte " + i);
        }
    }

    @Test
    void aReadOfSeveralUncachedBlocksIsOneRoundTrip() throws Exception {
        MemoryBackend memory = new MemoryBackend(16 << 20);
        DataDir first = new DataDir(memory, 1L << 20);
        first.mkdir("base");
        first.create("base/2");
        byte[] data = new byte[10 * DataDir.BLOCK];
        new java.util.Random(7).nextBytes(data);
        java.util.Arrays.fill(data, 3 * DataDir.BLOCK, 4 * DataDir.BLOCK, (byte) 0);
        first.write("base/2", data, 3 * DataDir.BLOCK, 0);
        first.write(
                "base/2",
                java.util.Arrays.copyOfRange(data, 4 * DataDir.BLOCK, data.length),
                6 * DataDir.BLOCK,
                4 * DataDir.BLOCK); // block 3 is a hole: never written, reads as zeros

        int[] calls = {0, 0}; // single-block reads, batched reads
        Backend counting = new Delegating(memory) {
            @Override
            public byte[] readBlock(String p, long b, long s) throws IOException {
                calls[0]++;
                return memory.readBlock(p, b, s);
            }

            @Override
            public List<byte[]> readBlocks(String p, long f, int c, long s) throws IOException {
                calls[1]++;
                return memory.readBlocks(p, f, c, s);
            }
        };
        DataDir second = new DataDir(counting, 1L << 20);
        second.read("base/2", new byte[DataDir.BLOCK], DataDir.BLOCK, 2 * DataDir.BLOCK); // block 2 alone
        byte[] back = new byte[data.length];
        assertEquals(data.length, second.read("base/2", back, back.length, 0)); // 0..9, block 2 cached
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, back);
        assertEquals(1, calls[0], "one single-block read, for block 2 alone");
        assertEquals(1, calls[1], "blocks 0..9 (2 cached, 3 a hole) in one batched read");
    }

    @Test
    void aSlowFetchDoesNotStallOtherCallsAndAWriteMeanwhileWins() throws Exception {
        MemoryBackend memory = new MemoryBackend(16 << 20);
        DataDir first = new DataDir(memory, 1L << 20);
        first.mkdir("base");
        first.create("base/3");
        byte[] old = new byte[2 * DataDir.BLOCK];
        java.util.Arrays.fill(old, (byte) 1);
        first.write("base/3", old, old.length, 0);

        java.util.concurrent.CountDownLatch fetching = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        Backend slow = new Delegating(memory) {
            @Override
            public byte[] readBlock(String p, long b, long s) throws IOException {
                return readBlocks(p, b, 1, s).getFirst();
            }

            @Override
            public List<byte[]> readBlocks(String p, long f, int c, long s) throws IOException {
                if (fetches.incrementAndGet() == 1) { // the first fetch hangs until released
                    fetching.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                return memory.readBlocks(p, f, c, s);
            }
        };
        DataDir dir = new DataDir(slow, 1L << 20);
        byte[] got = new byte[old.length];
        java.util.concurrent.Future<Integer> reader = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()
                .submit(() -> dir.read("base/3", got, got.length, 0));
        org.junit.jupiter.api.Assertions.assertTrue(fetching.await(10, java.util.concurrent.TimeUnit.SECONDS));

        // While that fetch hangs, other calls go on, a write to the same file included (they would
        // wait for ever if the fetch held the lock: bounded here, so the test fails instead).
        byte[] fresh = new byte[DataDir.BLOCK];
        java.util.Arrays.fill(fresh, (byte) 2);
        try {
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()
                    .submit(() -> {
                        dir.create("base/4");
                        assertEquals(2L * DataDir.BLOCK, dir.stat("base/3").size());
                        dir.write("base/3", fresh, fresh.length, 0);
                        return null;
                    })
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            release.countDown();
        }
        assertEquals(old.length, reader.get(10, java.util.concurrent.TimeUnit.SECONDS));
        for (int i = 0; i < got.length; i++) {
            assertEquals(
                    i < DataDir.BLOCK ? 2 : 1, got[i], "byte " + i + ": the read saw the write made during its fetch");
        }
        assertEquals(1, dir.metrics().counter("adapter.read.retried").getCount(), "the stale fetch was thrown away");
    }

    @Test
    void aSecondMountReplacesTheFirstsFiguresInTheComputesRegistry() throws Exception {
        MemoryBackend backend = new MemoryBackend(16 << 20);
        MetricRegistry compute = new MetricRegistry();
        FsMetrics.registerReplacing(compute, new DataDir(backend, 1L << 20).metrics());
        DataDir again = new DataDir(backend, 1L << 20);
        FsMetrics.registerReplacing(compute, again.metrics());
        again.mkdir("x");
        assertEquals(1, compute.counter("adapter.ops.file").getCount());
    }

    /** A backend that passes every call to {@code to}; tests override the reads they watch. */
    private static class Delegating implements Backend {
        private final Backend to;

        Delegating(Backend to) {
            this.to = to;
        }

        @Override
        public List<Entry> listTree() throws IOException {
            return to.listTree();
        }

        @Override
        public byte[] readBlock(String path, long block, long minSeq) throws IOException {
            return to.readBlock(path, block, minSeq);
        }

        @Override
        public List<byte[]> readBlocks(String path, long first, int count, long minSeq) throws IOException {
            return to.readBlocks(path, first, count, minSeq);
        }

        @Override
        public long submit(Op op) throws IOException {
            return to.submit(op);
        }

        @Override
        public long submitAtomically(List<Op> ops) throws IOException {
            return to.submitAtomically(ops);
        }

        @Override
        public CompletableFuture<Long> durable(long seq) {
            return to.durable(seq);
        }

        @Override
        public long lastSubmitted() {
            return to.lastSubmitted();
        }

        @Override
        public byte[] readWal(long lsn, int len) throws IOException {
            return to.readWal(lsn, len);
        }

        @Override
        public int walSegmentSize() {
            return to.walSegmentSize();
        }

        @Override
        public long walEnd() {
            return to.walEnd();
        }

        @Override
        public long walStart() throws IOException {
            return to.walStart();
        }
    }
}
