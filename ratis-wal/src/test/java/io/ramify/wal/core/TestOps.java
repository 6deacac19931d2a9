package io.ramify.wal.core;

import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.util.Random;

/** Deterministic op streams: the op for a seq can be recomputed to check what came back. */
public final class TestOps {
    private TestOps() {}

    /** A block write (most seqs) or a file event (every 10th), content derived from seq. */
    public static Op opFor(long seq) {
        long w = seq * 100;
        if (seq % 10 == 0) {
            return Ops.file(FileEvent.Kind.CREATE, "base/5/" + (16384 + seq), w);
        }
        byte[] image = new byte[8192];
        new Random(seq).nextBytes(image);
        return Ops.block("base/5/16384", seq % 5000, image, w);
    }
}
