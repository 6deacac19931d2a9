package io.ramify.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * The disk's own price of durability, measured from Java so there is a figure even where
 * pg_test_fsync is missing: write 8 KiB, then {@code FileChannel.force(false)} (fdatasync on
 * Linux), repeated.
 *
 * <p>Two variants, because they cost differently: overwriting a preallocated file (what
 * pg_test_fsync measures, and what Postgres does with its recycled WAL segments) flushes data
 * only; appending grows the file, so each flush also commits the new size to the filesystem
 * journal, which is closer to a Raft log segment being filled.
 */
final class FsyncProbe {
    private static final int WRITE_BYTES = 8192;
    /** Size of the preallocated file that overwrites cycle through (as pg_test_fsync's 16 MiB). */
    private static final int OVERWRITE_FILE_BYTES = 16 << 20;

    private static final long PAYLOAD_SEED = 7;

    private FsyncProbe() {}

    static Latencies overwrite(Path file, int count) throws IOException {
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(OVERWRITE_FILE_BYTES);
            while (zeros.hasRemaining()) {
                ch.write(zeros);
            }
            ch.force(true);
            int slots = OVERWRITE_FILE_BYTES / WRITE_BYTES;
            return time(ch, count, i -> (long) (i % slots) * WRITE_BYTES);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static Latencies append(Path file, int count) throws IOException {
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.force(true);
            return time(ch, count, i -> (long) i * WRITE_BYTES);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private interface Position {
        long of(int i);
    }

    private static Latencies time(FileChannel ch, int count, Position position) throws IOException {
        byte[] data = new byte[WRITE_BYTES];
        new Random(PAYLOAD_SEED).nextBytes(data);
        ByteBuffer buf = ByteBuffer.allocateDirect(WRITE_BYTES);
        Latencies lat = new Latencies();
        for (int i = 0; i < count; i++) {
            buf.clear();
            buf.put(data).flip();
            long t0 = System.nanoTime();
            long pos = position.of(i);
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
            ch.force(false);
            lat.add(System.nanoTime() - t0);
        }
        return lat;
    }
}
