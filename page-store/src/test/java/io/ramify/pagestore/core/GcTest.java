package io.ramify.pagestore.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.TimelineId;
import io.ramify.kv.MemKv;
import io.ramify.kv.Writes;
import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Scenarios of rule 7 with their exact outcome; the property test covers random histories. */
class GcTest {
    final MemKv kv = new MemKv();
    final TimelineId tl = TimelineId.random();
    long seq;

    void op(Op op) {
        Writes w = new Writes(kv);
        Ingest.apply(w, tl, ++seq, op);
        kv.commit(w);
    }

    static byte[] img(int fill) {
        byte[] b = new byte[8192];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    Gc.Result gc(long windowFrom, Long... extraCuts) {
        Writes w = new Writes(kv);
        Gc.Result r = Gc.collect(
                kv, w, tl, new Gc.Retention(seq, windowFrom, new TreeSet<>(Arrays.asList(extraCuts))), null, 1000);
        kv.commit(w);
        return r;
    }

    @Test
    void aVersionNoRetainedCutSeesIsDeletedAndTheHeadStillReads() {
        op(Ops.file(FileEvent.Kind.CREATE, "f", 0));
        op(Ops.block("f", 0, img(1), 0));
        op(Ops.block("f", 0, img(2), 0));
        long before = Ingest.usage(kv, tl).ownBytes();
        Gc.Result r = gc(seq);
        assertEquals(1, r.versionsDeleted());
        assertTrue(Ingest.usage(kv, tl).ownBytes() < before);
        assertEquals(1, Ingest.usage(kv, tl).versions());
        assertArrayEquals(
                img(2),
                ViewReader.block(kv, View.of(new View.Level(tl, seq)), "f", 0).image());
    }

    @Test
    void aChildsForkCutKeepsWhatItSees() {
        op(Ops.file(FileEvent.Kind.CREATE, "f", 0));
        op(Ops.block("f", 0, img(1), 0));
        long fork = seq;
        op(Ops.block("f", 0, img(2), 0));
        assertEquals(0, gc(seq, fork).versionsDeleted());
        assertArrayEquals(
                img(1),
                ViewReader.block(kv, View.of(new View.Level(tl, fork)), "f", 0).image());
    }

    @Test
    void theSourceOfARenameStaysReadableForItsTarget() {
        op(Ops.file(FileEvent.Kind.CREATE, "a", 0));
        op(Ops.block("a", 0, img(7), 0));
        op(Ops.rename("a", "b", 0));
        assertEquals(0, gc(seq).versionsDeleted());
        assertArrayEquals(
                img(7),
                ViewReader.block(kv, View.of(new View.Level(tl, seq)), "b", 0).image());
    }

    @Test
    void accountingSeparatesOwnFromSharedBytes() {
        op(Ops.file(FileEvent.Kind.CREATE, "f", 0));
        op(Ops.extend("f", 3 * 8192, 0));
        for (int b = 0; b < 3; b++) {
            op(Ops.block("f", b, img(b + 1), 0));
        }
        long fork = seq;
        TimelineId child = TimelineId.random();
        Writes w = new Writes(kv);
        Ingest.apply(w, child, 1, Ops.block("f", 1, img(9), 0));
        kv.commit(w);
        View v = View.of(new View.Level(child, 1), new View.Level(tl, fork));
        Accounting.Figures f = Accounting.of(kv, v, 0, 1);
        assertEquals(3 * 8192, f.logicalBytes());
        assertEquals(8192, f.visibleOwnBytes());
        assertEquals(2 * 8192, f.sharedBytes());
        assertTrue(f.storedOwnBytes() > 8192, "stored with its header: " + f.storedOwnBytes());
    }

    @Test
    void unlinkedContentGoesOnceNoCutSeesIt() {
        op(Ops.file(FileEvent.Kind.CREATE, "f", 0));
        op(Ops.block("f", 0, img(1), 0));
        op(Ops.block("f", 1, img(1), 0));
        op(Ops.file(FileEvent.Kind.UNLINK, "f", 0));
        assertEquals(2, gc(seq).versionsDeleted());
    }
}
