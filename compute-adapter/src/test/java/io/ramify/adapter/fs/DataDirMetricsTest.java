package io.ramify.adapter.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.ramify.adapter.backend.MemoryBackend;
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
    assertEquals(1, second.metrics().counter("adapter.cache.misses").getCount(), "only the block holding old bytes");
    byte[] back = new byte[3 * DataDir.BLOCK + 150];
    assertEquals(back.length, second.read("global/pg_internal.init", back, back.length, 0));
    for (int i = 0; i < back.length; i++) {
      int want = i < 5000 ? 7 : i < 11000 ? 9 : i < 3 * DataDir.BLOCK + 50 ? 0 : 9;
      assertEquals(want, back[i], "byte " + i);
    }
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
}
