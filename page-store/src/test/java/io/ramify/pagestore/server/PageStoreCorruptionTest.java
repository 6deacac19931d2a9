package io.ramify.pagestore.server;

import static io.ramify.wal.client.WalClient.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.TimelineId;
import io.ramify.kv.RocksKv;
import io.ramify.kv.Writes;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreException;
import io.ramify.pagestore.client.Views;
import io.ramify.pagestore.core.PageKeys;
import io.ramify.pagestore.proto.View;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.FileEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rule 8: a stored block whose bytes changed on disk is reported with its address, never returned. */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class PageStoreCorruptionTest {
    @TempDir
    Path dir;

    @Test
    void flippedBitIsReportedAsCorruptWithTheBlocksAddress() throws Exception {
        try (PageStoreRig rig = new PageStoreRig(dir, 2);
                WalClient wal = rig.walClient()) {
            rig.start(0);
            rig.start(1);
            TimelineId tl = TimelineId.random();
            await(wal.createRoot(tl, 2));
            TimelineWriter w = PageStoreEndToEndTest.claimed(wal, tl);
            String file = "base/1/2600";
            w.submit(Ops.file(FileEvent.Kind.CREATE, file, 0));
            w.submit(Ops.extend(file, 4L * 8192, 0));
            byte[][] images = new byte[4][8192];
            long[] seqs = new long[4];
            Random rnd = new Random(3);
            for (int b = 0; b < 4; b++) {
                rnd.nextBytes(images[b]);
                seqs[b] = w.submit(Ops.block(file, b, images[b], 0));
            }
            long last = w.flush().get(30, TimeUnit.SECONDS);
            rig.awaitIngested(tl, last, Duration.ofSeconds(30));
            View view = Views.root(tl, last);

            int owner;
            try (PageStoreClient ps = rig.client()) {
                owner = ps.ownerOf(file, 2);
                assertArrayEquals(
                        images[2], ps.getBlock(view, file, 2, last).getImage().toByteArray());
            }
            rig.stop(owner);
            byte[] key = PageKeys.version(tl, file, 2, seqs[2]);
            try (ShardDb db = ShardDb.open(rig.shardDir(owner))) {
                byte[] stored;
                try (RocksKv kv = db.latest()) {
                    stored = kv.get(key);
                    assertNotNull(stored, "version of " + file + "#2 at seq " + seqs[2] + " on shard " + owner);
                    stored[stored.length - 1000] ^= 0x10;
                    Writes flip = new Writes(kv);
                    flip.put(key, stored);
                    db.commit(flip);
                }
            }
            rig.start(owner);

            try (PageStoreClient ps = rig.client()) {
                PageStoreException.Corrupt e =
                        assertThrows(PageStoreException.Corrupt.class, () -> ps.getBlock(view, file, 2, last));
                assertTrue(
                        e.getMessage().contains(file + "#2")
                                && e.getMessage().contains(tl.shortForm())
                                && e.getMessage().contains("seq " + seqs[2])
                                && e.getMessage().contains("CRC"),
                        e.getMessage());
                // The other blocks, the file's size and restarts are unaffected.
                for (int b : new int[] {0, 1, 3}) {
                    assertArrayEquals(
                            images[b],
                            ps.getBlock(view, file, b, last).getImage().toByteArray(),
                            "block " + b);
                }
                assertEquals(
                        4L * 8192,
                        ps.stat(view, java.util.List.of(file), last).getFirst().getSize());
            }
            assertEquals(last, rig.shard(owner).ingested(tl), "nothing re-ingested over the damaged value");
        }
    }
}
