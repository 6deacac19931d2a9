package io.ramify.wal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.ramify.raft.client.RatisBytes;
import io.ramify.raft.host.RocksStateMachine;
import io.ramify.wal.proto.BlockWrite;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.WriteRequest;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;

class RatisBytesTest {
    private static WriteRequest request() {
        byte[] image = new byte[8192];
        java.util.Arrays.fill(image, (byte) 7);
        Op op = Op.newBuilder()
                .setWalEnd(100)
                .setBlock(BlockWrite.newBuilder()
                        .setFile("base/5/16384")
                        .setBlock(3)
                        .setImage(com.google.protobuf.ByteString.copyFrom(image)))
                .build();
        return WriteRequest.newBuilder()
                .setAppend(OpBatch.newBuilder().setFirstSeq(1).addOps(op))
                .build();
    }

    @Test
    void anEntrysOwnArrayIsReadInPlace() throws Exception {
        WriteRequest sent = request();
        byte[] entry = sent.toByteArray();
        WriteRequest read = WriteRequest.parseFrom(RatisBytes.aliasingInput(UnsafeByteOperations.unsafeWrap(entry)));
        assertEquals(sent, read);
        // The block image is a view of the entry's array, not a copy: a change to the array shows.
        java.util.Arrays.fill(entry, entry.length - 100, entry.length, (byte) 9);
        assertNotEquals(
                sent.getAppend().getOps(0).getBlock().getImage(),
                read.getAppend().getOps(0).getBlock().getImage());
    }

    @Test
    void aMessageOfSeveralPiecesIsJoinedOnceAndReadsTheSame() throws Exception {
        WriteRequest sent =
                request().toBuilder().setLeaderTimeMillis(1_700_000_000_000L).build();
        byte[] body = request().toByteArray();
        ByteString rope =
                UnsafeByteOperations.unsafeWrap(body).concat(RocksStateMachine.leaderTimeField(1_700_000_000_000L));
        WriteRequest read = WriteRequest.parseFrom(RatisBytes.aliasingInput(rope));
        assertEquals(sent, read);
        java.util.Arrays.fill(body, body.length - 100, body.length, (byte) 9);
        assertEquals(sent, read); // joined into a copy, so the pieces may change
    }
}
