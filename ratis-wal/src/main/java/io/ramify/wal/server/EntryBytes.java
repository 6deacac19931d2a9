package io.ramify.wal.server;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteOutput;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Reads a Ratis message (shaded protobuf) as our own protobuf without copying its bytes.
 *
 * <p>Why: parsing {@code data.asReadOnlyByteBuffer()} copied every log entry twice (the buffer is
 * read-only, so protobuf copies it into an array first, and bytes fields were copied again out of
 * that array). In a {@code pgbench -i} those copies were 60 % of the bytes a WAL node allocated
 * (JFR), all of it young garbage for the collector. Here the entry's own array is read in place,
 * and bytes fields (block images, WAL data) are views of it ({@link
 * CodedInputStream#enableAliasing}); Ratis never changes an entry's array once it exists.
 * A message made of several pieces (the leader's request plus its time stamp) is joined once.
 */
final class EntryBytes {
  private EntryBytes() {}

  /** A decoder over {@code data} whose bytes fields alias it: they must not outlive the entry. */
  static CodedInputStream aliasingInput(ByteString data) {
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
