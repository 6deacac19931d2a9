package io.ramify.adapter.fs;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live FUSE mount of a {@link DataDir}: jfuse over libfuse3, multithreaded, the kernel page
 * cache on, files owned by the OS user Postgres runs as. The data directory is
 * {@code mountPoint/data}.
 */
public final class Mount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Mount.class);
    /** Debian ships only the versioned name; jfuse's default lookup of "fuse3" fails (notes). */
    static final List<String> LIBFUSE = List.of(
            "/usr/lib/x86_64-linux-gnu/libfuse3.so.3",
            "/lib/x86_64-linux-gnu/libfuse3.so.3",
            "/usr/lib/aarch64-linux-gnu/libfuse3.so.3");
    /** FUSE worker threads. */
    static final int THREADS_MAX = 16;

    static final long UNMOUNT_WAIT_SECONDS = 30;
    /** Processes named when a busy mount is reported. */
    static final int HOLDERS_LISTED_MAX = 10;

    private final Path mountPoint;
    private final Fuse fuse;

    private Mount(Path mountPoint, Fuse fuse) {
        this.mountPoint = mountPoint;
        this.fuse = fuse;
    }

    /**
     * Mounts {@code dir} at {@code mountPoint} and adds its figures, the FUSE operations' and the
     * mount time ({@code adapter.mount}) to {@code metrics}.
     */
    public static Mount mount(Path mountPoint, DataDir dir, int uid, int gid, MetricRegistry metrics)
            throws IOException {
        long start = System.nanoTime();
        unmountLeftover(mountPoint);
        Files.createDirectories(mountPoint);
        FuseBuilder builder = Fuse.builder();
        builder.setLibraryPath(LIBFUSE.stream()
                .filter(p -> Files.exists(Path.of(p)))
                .findFirst()
                .orElseThrow(() -> new IOException("libfuse3.so.3 not found in " + LIBFUSE + "; install libfuse3-3")));
        RamifyFs fs = new RamifyFs(dir, builder.errno(), new FsMetrics(metrics));
        Fuse fuse = builder.build(fs);
        String opts = "allow_other,default_permissions,kernel_cache,fsname=ramify,subtype=ramify,uid=" + uid + ",gid="
                + gid + ",max_threads=" + THREADS_MAX;
        try {
            fuse.mount("ramify", mountPoint, "-o", opts);
        } catch (FuseMountFailedException e) {
            throw new IOException(
                    "cannot mount " + mountPoint + " (is /dev/fuse there, and fuse3 installed?): " + e.getMessage(), e);
        }
        FsMetrics.registerReplacing(metrics, dir.metrics());
        metrics.timer("adapter.mount").update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        LOG.info("mounted {} (uid {}, gid {})", mountPoint, uid, gid);
        return new Mount(mountPoint, fuse);
    }

    /**
     * A mount left by an adapter that was killed is dead ("transport endpoint is not connected"):
     * detach it, so this mount can take its place.
     */
    static void unmountLeftover(Path mountPoint) throws IOException {
        String target = mountPoint.toAbsolutePath().normalize().toString();
        boolean mounted = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(l -> l.split(" "))
                .anyMatch(f -> f.length > 1 && f[1].replace("\\040", " ").equals(target));
        if (mounted) {
            LOG.warn("{} is still mounted (an earlier adapter died?); unmounting it", target);
            fusermountUnmount(mountPoint);
        }
    }

    private static void fusermountUnmount(Path mountPoint) throws IOException {
        fusermount(mountPoint, "-u", "-z");
    }

    /** Runs fusermount3 with {@code flags} on the mount point; its output when it fails, else null. */
    private static String fusermount(Path mountPoint, String... flags) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("fusermount3"));
        cmd.addAll(List.of(flags));
        cmd.add(mountPoint.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(UNMOUNT_WAIT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                LOG.warn("{} did not succeed: {}", String.join(" ", cmd), out);
                return out.isEmpty() ? "failed" : out;
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Processes whose working directory or an open file is on the mount, as {@code pid (name)}; bounded. */
    static List<String> holders(Path mountPoint) {
        String prefix = mountPoint.toAbsolutePath().normalize() + "/";
        List<String> out = new java.util.ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>)
                    procs.filter(q -> q.getFileName().toString().matches("\\d+"))::iterator) {
                if (out.size() >= HOLDERS_LISTED_MAX) {
                    break;
                }
                if (holds(p, prefix)) {
                    out.add(p.getFileName() + " (" + readQuietly(p.resolve("comm")) + ")");
                }
            }
        } catch (IOException | RuntimeException e) {
            out.add("unknown: " + e.getMessage());
        }
        return out;
    }

    private static boolean holds(Path proc, String prefix) {
        try {
            if ((Files.readSymbolicLink(proc.resolve("cwd")) + "/").startsWith(prefix)) {
                return true;
            }
            try (var fds = Files.list(proc.resolve("fd"))) {
                return fds.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).toString().startsWith(prefix);
                    } catch (IOException | RuntimeException e) {
                        return false;
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            return false; // gone meanwhile, or not ours to inspect
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    public Path dataDir() {
        return mountPoint.resolve(RamifyFs.DATA);
    }

    /**
     * Unmounts, then ends the FUSE session. The unmount is synchronous ({@code fusermount3 -u}, not
     * lazy): the kernel then tears the connection down at once, the session's threads see it end,
     * and jfuse's close, which unmounts once more itself ({@code fuse_unmount}), finds the connection
     * gone and does nothing. A lazy unmount here (as before) returned before the kernel had torn the
     * mount down; jfuse's own unmount then hit a path that was no longer a mount point, and libfuse
     * logged {@code fuse: failed to unmount ...: Invalid argument}, and when the teardown lagged the
     * session outlived jfuse's 10 s wait ({@code FUSE session ... did not end}). Lazy remains the
     * fallback when something still holds the mount (EBUSY), which is then logged.
     */
    @Override
    public void close() throws IOException {
        if (fusermount(mountPoint, "-u") != null) {
            LOG.warn(
                    "{} is busy (held by {}); detaching it lazily: the FUSE session ends when they let go, and libfuse"
                            + " may log \"failed to unmount ...: Invalid argument\" for its own second try",
                    mountPoint,
                    holders(mountPoint));
            fusermount(mountPoint, "-u", "-z");
        }
        try {
            fuse.close();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("FUSE session of " + mountPoint + " did not end", e);
        }
        LOG.info("unmounted {}", mountPoint);
    }
}
