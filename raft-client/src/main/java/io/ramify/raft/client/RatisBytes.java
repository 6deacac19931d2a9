package io.ramify.raft.client;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteOutput;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Moves bytes between Ratis messages (shaded protobuf) and our own protobuf without copying them.
 *
 * <p>Why: a WAL node parsed each committed entry from {@code data.asReadOnlyByteBuffer()}, which
 * made protobuf copy the entry into an array (a read-only buffer exposes none) and then copy every
 * bytes field out of that array: in a {@code pgbench -i} those copies were 60 % of the bytes the
 * node allocated (JFR), all young garbage for the collector. Here a message's own array is read in
 * place and bytes fields (block images, WAL data) are views of it ({@link
 * CodedInputStream#enableAliasing}); Ratis never changes a message's array once it exists. A
 * message of several pieces (the leader's request plus its time stamp) is joined once.
 */
public final class RatisBytes {
    private RatisBytes() {}

    /** A Ratis message around {@code fresh}, which the caller made and never changes again. */
    public static org.apache.ratis.protocol.Message message(byte[] fresh) {
        return org.apache.ratis.protocol.Message.valueOf(UnsafeByteOperations.unsafeWrap(fresh));
    }

    /**
     * A decoder over {@code data} whose bytes fields alias it: a parsed message keeps {@code data}'s
     * array alive as long as it lives.
     */
    public static CodedInputStream aliasingInput(ByteString data) {
        Pieces p = new Pieces();
        try {
            UnsafeByteOperations.unsafeWriteTo(data, p);
        } catch (IOException e) {
            throw new IllegalStateException("collecting a byte string's pieces cannot fail", e);
        }
        // Several pieces, or a direct buffer: one copy. A decoder from a byte string takes its array
        // as immutable, which aliasing needs (one made from a plain array would still copy).
        com.google.protobuf.ByteString whole = p.count == 1 && p.array != null
                ? com.google.protobuf.UnsafeByteOperations.unsafeWrap(p.array, p.offset, p.length)
                : com.google.protobuf.UnsafeByteOperations.unsafeWrap(data.toByteArray());
        CodedInputStream in = whole.newCodedInput();
        in.enableAliasing(true);
        return in;
    }

    /** Remembers the one array a literal byte string hands over, and counts the pieces. */
    private static final class Pieces extends ByteOutput {
        int count;
        byte[] array;
        int offset;
        int length;

        @Override
        public void write(byte value) {
            count += 2; // never one whole array
        }

        @Override
        public void write(byte[] value, int off, int len) {
            count += 2; // a copy offered, not the array itself: do not alias it
        }

        @Override
        public void writeLazy(byte[] value, int off, int len) {
            count++;
            array = value;
            offset = off;
            length = len;
        }

        @Override
        public void write(ByteBuffer value) {
            count += 2;
        }

        @Override
        public void writeLazy(ByteBuffer value) {
            count += 2;
        }
    }
}
