package io.ramify.pgwal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of WAL segment files (like {@code pg_wal}) read as a {@link WalSource}. Files are
 * named TTTTTTTTLLLLLLLLSSSSSSSS in hex: timeline, log id, segment within the log id. Only the
 * highest timeline present is used. A missing segment reads as "not available".
 */
public final class WalSegmentFiles implements WalSource, AutoCloseable {
    public static final int DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;
    private static final Pattern NAME = Pattern.compile("[0-9A-F]{24}");

    private final int segmentSize;
    private final int timeline;
    private final TreeMap<Long, Path> segments = new TreeMap<>(); // segment number -> file
    private final Map<Long, FileChannel> open = new HashMap<>();

    private WalSegmentFiles(int segmentSize, int timeline) {
        this.segmentSize = segmentSize;
        this.timeline = timeline;
    }

    public static WalSegmentFiles open(Path dir) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted()
                    .forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list WAL directory " + dir, e);
        }
        int tli = files.stream().mapToInt(WalSegmentFiles::timelineOf).max().orElse(1);
        files.removeIf(p -> timelineOf(p) != tli);
        WalSegmentFiles wal = new WalSegmentFiles(segmentSizeOf(files), tli);
        long segmentsPerLogId = 0x1_0000_0000L / wal.segmentSize;
        for (Path p : files) {
            String name = p.getFileName().toString();
            long logId = Long.parseLong(name.substring(8, 16), 16);
            long seg = Long.parseLong(name.substring(16, 24), 16);
            wal.segments.put(logId * segmentsPerLogId + seg, p);
        }
        return wal;
    }

    public int segmentSize() {
        return segmentSize;
    }

    public int timeline() {
        return timeline;
    }

    /** The LSNs at which the present segment files start, ascending. */
    public List<Long> segmentStarts() {
        return segments.keySet().stream().map(s -> s * segmentSize).toList();
    }

    @Override
    public int read(long lsn, byte[] dst, int off, int len) {
        int copied = 0;
        while (copied < len) {
            long pos = lsn + copied;
            FileChannel ch = channel(pos / segmentSize);
            if (ch == null) {
                return copied;
            }
            int want = (int) Math.min(len - copied, segmentSize - pos % segmentSize);
            int got = readFully(ch, pos % segmentSize, dst, off + copied, want);
            copied += got;
            if (got < want) {
                return copied;
            }
        }
        return copied;
    }

    @Override
    public void close() {
        for (FileChannel ch : open.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                // Read-only channel: nothing to lose by ignoring a close failure.
            }
        }
        open.clear();
    }

    private FileChannel channel(long segNo) {
        Path p = segments.get(segNo);
        if (p == null) {
            return null;
        }
        return open.computeIfAbsent(segNo, n -> {
            try {
                return FileChannel.open(p, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open WAL segment " + p, e);
            }
        });
    }

    private static int readFully(FileChannel ch, long position, byte[] dst, int off, int len) {
        ByteBuffer buf = ByteBuffer.wrap(dst, off, len);
        try {
            while (buf.hasRemaining()) {
                int n = ch.read(buf, position + buf.position() - off);
                if (n < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read WAL segment", e);
        }
        return buf.position() - off;
    }

    private static int timelineOf(Path p) {
        return Integer.parseUnsignedInt(p.getFileName().toString().substring(0, 8), 16);
    }

    /** xlp_seg_size from the first segment that has a long page header; a fresh file may be zeros. */
    private static int segmentSizeOf(List<Path> files) {
        for (Path p : files) {
            byte[] b = new byte[PageHeader.LONG_SIZE];
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                if (readFully(ch, 0, b, 0, b.length) == b.length
                        && Bytes.u16(b, 0) == PageHeader.MAGIC_PG15
                        && (Bytes.u16(b, 2) & PageHeader.LONG_HEADER) != 0) {
                    return (int) Bytes.u32(b, 32);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read WAL segment " + p, e);
            }
        }
        return DEFAULT_SEGMENT_SIZE;
    }
}
