package io.ramify.pgwal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalSegmentFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsSegmentsByNameAndSizeFromTheLongHeader() throws IOException {
        int seg = 1024 * 1024;
        // The last segment of log id 0 and the first of log id 1: with 1 MiB segments log id 0 has 0x1000.
        long base = 0x1_0000_0000L - seg;
        WalBuilder wal = new WalBuilder(seg, base, 2);
        while (wal.position() < base + seg + 2 * WalBuilder.PAGE) {
            wal.appendMain(10, 0, 1, new byte[3000]);
        }
        Files.write(dir.resolve("000000010000000000000FFF"), Arrays.copyOfRange(wal.buf, 0, seg));
        Files.write(dir.resolve("000000010000000100000000"), Arrays.copyOfRange(wal.buf, seg, 2 * seg));
        Files.writeString(dir.resolve("00000002.history"), "not a segment");

        try (WalSegmentFiles files = WalSegmentFiles.open(dir)) {
            assertEquals(seg, files.segmentSize());
            assertEquals(List.of(base, base + seg), files.segmentStarts());
            long pos = WalDecoder.firstRecordStartOnPage(files, base);
            long prev = -1;
            int count = 0;
            boolean crossed = false;
            while (true) {
                var r = WalDecoder.decode(files, pos, prev, seg);
                if (r.isEmpty()) {
                    break;
                }
                crossed |= r.get().start() < base + seg && r.get().end() > base + seg;
                prev = pos;
                pos = WalDecoder.nextRecordStart(r.get(), seg);
                count++;
            }
            assertTrue(crossed, "a record crossed the segment files");
            assertEquals(wal.position(), pos, "walked to the end of what was written");
            assertTrue(count > 300);
            byte[] tail = new byte[10];
            assertEquals(0, files.read(base + 2L * seg, tail, 0, 10), "no third segment");
        }
    }
}
