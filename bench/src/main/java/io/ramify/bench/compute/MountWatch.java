package io.ramify.bench.compute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Notes the moment a mount point appears in {@code /proc/self/mounts}, polled every
 * {@value #POLL_MILLIS} ms on a thread of its own while a compute starts: how long claiming the
 * timeline, loading the view and mounting took, without reaching into the compute.
 */
final class MountWatch implements AutoCloseable {
    static final long POLL_MILLIS = 1;

    private final String target;
    private final Thread thread;
    private volatile long seenNanos;
    private volatile boolean stop;

    private MountWatch(Path mountPoint) {
        this.target = mountPoint.toAbsolutePath().normalize().toString();
        this.thread = Thread.ofPlatform().daemon().name("mount-watch").start(this::poll);
    }

    static MountWatch start(Path mountPoint) {
        return new MountWatch(mountPoint);
    }

    private void poll() {
        while (!stop) {
            if (mounted()) {
                seenNanos = System.nanoTime();
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean mounted() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 1 && f[1].replace("\\040", " ").equals(target)) {
                    return true;
                }
            }
        } catch (IOException e) {
            // unreadable for a moment: try again
        }
        return false;
    }

    /** When the mount appeared ({@link System#nanoTime()}), or 0 if it has not (yet). */
    long seenNanos() {
        return seenNanos;
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
    }
}
