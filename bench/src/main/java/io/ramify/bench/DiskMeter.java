package io.ramify.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bytes written to the block device that holds a directory, from {@code /proc/diskstats}
 * (sectors written × 512): every write of the machine to that disk, data and file-system journal,
 * so a figure per configuration holds while that configuration alone runs. Not {@code
 * /proc/<pid>/io}: its {@code write_bytes} counts a whole page-cache folio when a write dirties
 * part of one, and this kernel's ext4 keeps a file written in 1 MiB pieces (Ratis preallocates its
 * log segments so) in large folios: it counted ~1 MiB per 1.2 KiB Raft entry per node, where
 * strace saw one 1,238-byte write and /proc/diskstats a few tens of KiB for the whole machine.
 */
public final class DiskMeter {
    private final String device;

    private DiskMeter(String device) {
        this.device = device;
    }

    /** The meter of the disk under {@code dir}; its readings are -1 when that disk is not found. */
    public static DiskMeter of(Path dir) {
        try {
            String name = Files.getFileStore(dir).name();
            return new DiskMeter(name.startsWith("/dev/") ? name.substring("/dev/".length()) : "");
        } catch (IOException e) {
            return new DiskMeter("");
        }
    }

    public String device() {
        return device;
    }

    /** Bytes written to the device since boot, or -1 when unknown. */
    public long writtenBytes() {
        if (device.isEmpty()) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[2].equals(device)) {
                    return Long.parseLong(f[9]) * 512;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
