package io.ramify.wal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ramify.raft.host.RocksStateMachine;
import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.WriteRequest;
import org.junit.jupiter.api.Test;

/** The leader's clock appended to a serialized request reads back as the request with the field set. */
class LeaderTimeStampTest {
    private static WriteRequest stamped(WriteRequest req, long millis) throws InvalidProtocolBufferException {
        var bytes = org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(req.toByteArray())
                .concat(RocksStateMachine.leaderTimeField(millis));
        return WriteRequest.parseFrom(bytes.toByteArray());
    }

    @Test
    void appendedFieldSetsTheTimeAndKeepsEverythingElse() throws Exception {
        WriteRequest req = WriteRequest.newBuilder()
                .setAppend(OpBatch.newBuilder()
                        .setFirstSeq(7)
                        .setGeneration(3)
                        .addOps(Ops.file(FileEvent.Kind.CREATE, "base/5/16384", 99)))
                .build();
        for (long millis : new long[] {0, 1, 127, 128, 1_764_000_000_000L, Long.MAX_VALUE}) {
            assertEquals(req.toBuilder().setLeaderTimeMillis(millis).build(), stamped(req, millis), "at " + millis);
        }
    }

    @Test
    void aClientsOwnTimeIsOverridden() throws Exception {
        WriteRequest req = WriteRequest.newBuilder().setLeaderTimeMillis(42).build();
        assertEquals(1_000L, stamped(req, 1_000).getLeaderTimeMillis());
    }

    @Test
    void malformedStaysMalformed() {
        byte[] junk = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
        var bytes = org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(junk)
                .concat(RocksStateMachine.leaderTimeField(5));
        assertThrows(InvalidProtocolBufferException.class, () -> WriteRequest.parseFrom(bytes.toByteArray()));
    }
}
