package io.ramify.wal.server;

import static io.ramify.wal.client.WalClient.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.Generation;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.pgwal.WalDecoder;
import io.ramify.pgwal.WalRecord;
import io.ramify.pgwal.WalSegmentFiles;
import io.ramify.testsupport.VanillaPostgres;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.core.TestOps;
import io.ramify.wal.proto.ForkPointReply;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forks on a real cluster with real Postgres WAL: a fork is made only at the end of a complete
 * record in the parent's durable WAL, gets the parent's cut at that LSN, reads its parent's WAL
 * below the fork LSN and its own from there, and a newer generation's claim drops a torn tail.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class WalForkTest {
    @TempDir
    Path dir;

    @Test
    void forkAtARecordEndSeesParentWalBelowAndItsOwnAbove() throws Exception {
        byte[] wal;
        List<WalRecord> records = new ArrayList<>();
        long start;
        try (VanillaPostgres pg = VanillaPostgres.init(
                dir.resolve("pg"), List.of(), Map.of("wal_keep_size", "1GB", "wal_recycle", "off"))) {
            pg.start();
            pg.pgbench("-i", "-s", "1", "-q");
            pg.stop();
            try (WalSegmentFiles files = WalSegmentFiles.open(pg.walDir())) {
                start = files.segmentStarts().getFirst();
                long next = WalDecoder.firstRecordStartOnPage(files, start);
                long prev = -1;
                for (Optional<WalRecord> r;
                        (r = WalDecoder.decode(files, next, prev, files.segmentSize())).isPresent(); ) {
                    records.add(r.get());
                    prev = r.get().start();
                    next = WalDecoder.nextRecordStart(r.get(), files.segmentSize());
                }
                long end = (records.getLast().end() + 8191) / 8192 * 8192;
                wal = new byte[(int) (end - start)];
                files.read(start, wal, 0, wal.length);
            }
        }
        try (WalTestCluster cl = new WalTestCluster(dir.resolve("wal"), 3, 2, 10_000);
                WalClient c = cl.client()) {
            TimelineId parent = TimelineId.random();
            await(c.createRoot(parent, 1));
            TimelineWriter w = c.writer(parent, Generation.of(1), await(c.claim(parent, Generation.of(1))));
            for (int off = 0; off < wal.length; off += 64 * 1024) {
                int n = Math.min(64 * 1024, wal.length - off);
                w.submit(Ops.wal(start + off, Arrays.copyOfRange(wal, off, off + n), start + off + n));
                if (off % (1 << 20) == 0) {
                    w.submit(TestOps.opFor(1).toBuilder()
                            .setWalEnd(start + off + n)
                            .build());
                }
            }
            w.flush().get(60, TimeUnit.SECONDS);
            TimelineStatus ps = await(c.status(parent));
            assertEquals(Lsn.of(records.getLast().end()), Lsn.of(ps.getLastRecordEnd()));

            WalRecord mid = records.get(records.size() / 2);
            Lsn x = Lsn.of(mid.end());
            WalRejectedException notAnEnd = assertThrows(
                    WalRejectedException.class, () -> await(c.createFork(TimelineId.random(), parent, x.plus(-1), 1)));
            assertTrue(
                    notAnEnd.getMessage()
                            .contains(Lsn.of(records.get(records.size() / 2 - 1).end())
                                    .toString()),
                    notAnEnd.getMessage());
            assertEquals(
                    Code.BEYOND_END,
                    assertThrows(
                                    WalRejectedException.class,
                                    () -> await(c.createFork(
                                            TimelineId.random(), parent, Lsn.of(ps.getLastRecordEnd() + 8), 1)))
                            .code());

            forkPointsAgreeWithTheSeparateQueries(c, parent, wal, start, records, ps);

            TimelineId child = TimelineId.random();
            TimelineStatus cs = await(c.createFork(child, parent, x, 1));
            ForkPointReply childHead = await(c.forkPointAtHead(child));
            assertEquals(x.value(), childHead.getLsn(), "a fork's head before it writes is its fork LSN");
            assertEquals(0, childHead.getCut(), "the child has no ops of its own");
            assertArrayEquals(
                    pagePrefix(wal, start, x.value()),
                    childHead.getPagePrefix().toByteArray(),
                    "a fork keeps its fork page's prefix, so a fork of it needs no read of the grandparent");
            assertEquals(x.value(), cs.getForkLsn());
            assertEquals(await(c.cutFor(parent, x)).value(), cs.getForkCut());
            assertEquals(x.value(), cs.getLastRecordEnd());

            // Below the fork LSN the child reads its parent's WAL; at and above it, nothing yet.
            long from = x.value() - 20_000;
            byte[] below = await(c.readWal(child, Lsn.of(from), 1 << 20));
            assertEquals(20_000, below.length, "a read stops at the fork LSN");
            assertArrayEquals(Arrays.copyOfRange(wal, (int) (from - start), (int) (x.value() - start)), below);
            assertEquals(0, await(c.readWal(child, x, 100)).length);

            // The child's compute rewrites the page holding X with the parent's prefix and its own WAL:
            // here, the parent's own next records, which are valid WAL continuing from X.
            TimelineWriter cw = c.writer(child, Generation.of(1), await(c.claim(child, Generation.of(1))));
            long page = x.value() / 8192 * 8192;
            long upTo = records.get(records.size() / 2 + 50).end();
            cw.submit(Ops.wal(page, Arrays.copyOfRange(wal, (int) (page - start), (int) (upTo - start)), upTo));
            cw.flush().get(30, TimeUnit.SECONDS);
            assertEquals(
                    Lsn.of(upTo), Lsn.of(await(c.status(child)).getLastRecordEnd()), "the child indexes its own WAL");
            assertEquals(
                    Lsn.of(records.get(records.size() / 2 + 10).end()),
                    await(c.recordEndAtOrBefore(
                            child, Lsn.of(records.get(records.size() / 2 + 11).end() - 1))));
            assertEquals(x, await(c.recordEndAtOrBefore(child, x)), "the fork LSN is a record end of the child");
            assertEquals(Seq.NONE, await(c.cutFor(child, x)), "the child has no ops of its own at X");

            cutIncludesWhatWasWrittenBeforeTheNextRecordEnds(c, wal, start, records);
        }
    }

    /**
     * ForkPoint (one read) answers what the separate queries a fork took before answer: the record
     * end at or before an LSN, the cut there, the fork page's WAL below it; the head is the last
     * record end; beyond the head is BEYOND_END.
     */
    private static void forkPointsAgreeWithTheSeparateQueries(
            WalClient c, TimelineId parent, byte[] wal, long start, List<WalRecord> records, TimelineStatus ps) {
        for (int k : new int[] {records.size() / 4, records.size() / 2, records.size() - 2}) {
            long inside = records.get(k).end()
                    + (records.get(k + 1).end() - records.get(k).end()) / 2;
            ForkPointReply p = await(c.forkPointAtLsn(parent, Lsn.of(inside)));
            Lsn end = await(c.recordEndAtOrBefore(parent, Lsn.of(inside)));
            assertEquals(records.get(k).end(), p.getLsn(), "the record end at or before " + Lsn.of(inside));
            assertEquals(end.value(), p.getLsn());
            assertEquals(await(c.cutFor(parent, end)).value(), p.getCut());
            assertArrayEquals(
                    pagePrefix(wal, start, p.getLsn()), p.getPagePrefix().toByteArray());
            assertEquals(ps.getWalSegmentSize(), p.getWalSegmentSize());
        }
        ForkPointReply head = await(c.forkPointAtHead(parent));
        assertEquals(ps.getLastRecordEnd(), head.getLsn());
        assertEquals(await(c.cutFor(parent, Lsn.of(head.getLsn()))).value(), head.getCut());
        assertArrayEquals(
                pagePrefix(wal, start, head.getLsn()), head.getPagePrefix().toByteArray());
        assertEquals(
                Code.BEYOND_END,
                assertThrows(
                                WalRejectedException.class,
                                () -> await(c.forkPointAtLsn(parent, Lsn.of(ps.getLastRecordEnd() + 1))))
                        .code());
        assertEquals(
                Code.OUT_OF_WINDOW,
                assertThrows(WalRejectedException.class, () -> await(c.forkPointAtLsn(parent, Lsn.of(start - 8192))))
                        .code());
    }

    /** The WAL from the start of {@code lsn}'s 8 KiB page up to {@code lsn}. */
    private static byte[] pagePrefix(byte[] wal, long start, long lsn) {
        long page = lsn / 8192 * 8192;
        return Arrays.copyOfRange(wal, (int) (page - start), (int) (lsn - start));
    }

    /**
     * The cut at X takes every op whose W is below the end of the record after X, such as a
     * pg_control written once the WAL page holding X was flushed; not one whose W reaches that end.
     */
    private static void cutIncludesWhatWasWrittenBeforeTheNextRecordEnds(
            WalClient c, byte[] wal, long start, List<WalRecord> records) throws Exception {
        TimelineId tl = TimelineId.random();
        await(c.createRoot(tl, 1));
        TimelineWriter w = c.writer(tl, Generation.of(1), await(c.claim(tl, Generation.of(1))));
        int k = records.size() / 3;
        long x = records.get(k).end();
        long nextEnd = records.get(k + 1).end();
        long partial = nextEnd - 1; // the next record is not whole yet
        for (long off = start; off < partial; off += 64 * 1024) {
            long to = Math.min(partial, off + 64 * 1024);
            w.submit(Ops.wal(off, Arrays.copyOfRange(wal, (int) (off - start), (int) (to - start)), to));
        }
        long before = w.submit(TestOps.opFor(1).toBuilder().setWalEnd(partial).build());
        long rest = Math.min(start + wal.length, partial + 64 * 1024);
        w.submit(Ops.wal(partial, Arrays.copyOfRange(wal, (int) (partial - start), (int) (rest - start)), rest));
        long after = w.submit(TestOps.opFor(2).toBuilder().setWalEnd(rest).build());
        w.flush().get(60, TimeUnit.SECONDS);
        assertEquals(
                before,
                await(c.cutFor(tl, Lsn.of(x))).value(),
                "an op written before the record after X was whole belongs to the cut at X");
        long head = await(c.status(tl)).getLastRecordEnd();
        assertEquals(
                after,
                await(c.cutFor(tl, Lsn.of(head))).value(),
                "at the head, with no record after it, every op belongs to the cut");
    }
}
