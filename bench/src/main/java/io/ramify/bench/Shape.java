package io.ramify.bench;

import com.google.protobuf.ByteString;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.WalLimits;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What one appended batch holds. The 8 KiB batch is one WAL page, as a Postgres commit flush of a
 * small transaction would send; the 256 KiB batch is 32 block images, as a checkpoint or bulk
 * load would. Payload bytes are random so nothing along the way (gRPC, RocksDB) can compress them.
 */
enum Shape {
    WAL_8K("8 KiB (1 WAL op)", 1),
    BLOCKS_256K("256 KiB (32 block ops)", 32);

    /** Distinct random payloads cycled through, so building a batch costs no random generation. */
    private static final int PAYLOAD_VARIANTS = 64;

    private static final long PAYLOAD_SEED = 42;
    private static final byte[][] PAYLOADS = payloads();
    /** A relation file path as Postgres names them; the benchmark writes one relation. */
    private static final String BLOCK_FILE = "base/5/16384";

    final String label;
    final int opsPerBatch;

    Shape(String label, int opsPerBatch) {
        this.label = label;
        this.opsPerBatch = opsPerBatch;
    }

    int payloadBytes() {
        return opsPerBatch * WalLimits.BLOCK_SIZE;
    }

    /**
     * The next batch of {@code cursor}'s timeline; advances the cursor. WAL ops write consecutive
     * 8 KiB pages and raise W to their end; block ops carry the current W (rule 4: W never falls).
     */
    OpBatch next(Cursor cursor) {
        List<Op> ops = new ArrayList<>(opsPerBatch);
        for (int i = 0; i < opsPerBatch; i++) {
            byte[] payload = PAYLOADS[(int) ((cursor.nextSeq + i) % PAYLOAD_VARIANTS)];
            if (this == WAL_8K) {
                long lsn = cursor.walEnd;
                cursor.walEnd += payload.length;
                ops.add(Ops.wal(lsn, payload, cursor.walEnd));
            } else {
                ops.add(Ops.block(BLOCK_FILE, cursor.nextBlock++, payload, cursor.walEnd));
            }
        }
        OpBatch b = OpBatch.newBuilder()
                .setTimeline(ByteString.copyFrom(cursor.timeline.toBytes()))
                .setGeneration(cursor.generation)
                .setFirstSeq(cursor.nextSeq)
                .addAllOps(ops)
                .build();
        cursor.nextSeq += opsPerBatch;
        return b;
    }

    private static byte[][] payloads() {
        Random r = new Random(PAYLOAD_SEED);
        byte[][] out = new byte[PAYLOAD_VARIANTS][WalLimits.BLOCK_SIZE];
        for (byte[] p : out) {
            r.nextBytes(p);
        }
        return out;
    }

    /** Where the next batch of a claimed timeline continues: seqs must follow without gaps. */
    static final class Cursor {
        final TimelineId timeline;
        final long generation;
        long nextSeq;
        long walEnd;
        long nextBlock;

        Cursor(TimelineId timeline, long generation, long lastSeq, long walEnd) {
            this.timeline = timeline;
            this.generation = generation;
            this.nextSeq = lastSeq + 1;
            this.walEnd = walEnd;
        }
    }
}
