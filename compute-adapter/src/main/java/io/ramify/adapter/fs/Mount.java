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
  static final List<String> LIBFUSE = List.of("/usr/lib/x86_64-linux-gnu/libfuse3.so.3",
      "/lib/x86_64-linux-gnu/libfuse3.so.3", "/usr/lib/aarch64-linux-gnu/libfuse3.so.3");
  /** FUSE worker threads. */
  static final int MAX_THREADS = 16;
  static final long UNMOUNT_WAIT_SECONDS = 30;

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
  public static Mount mount(Path mountPoint, DataDir dir, int uid, int gid, MetricRegistry metrics) throws IOException {
    long start = System.nanoTime();
    unmountLeftover(mountPoint);
    Files.createDirectories(mountPoint);
    FuseBuilder builder = Fuse.builder();
    builder.setLibraryPath(LIBFUSE.stream().filter(p -> Files.exists(Path.of(p))).findFirst()
        .orElseThrow(() -> new IOException("libfuse3.so.3 not found in " + LIBFUSE + "; install libfuse3-3")));
    RamifyFs fs = new RamifyFs(dir, builder.errno(), new FsMetrics(metrics));
    Fuse fuse = builder.build(fs);
    String opts = "allow_other,default_permissions,kernel_cache,fsname=ramify,subtype=ramify,uid=" + uid + ",gid="
        + gid + ",max_threads=" + MAX_THREADS;
    try {
      fuse.mount("ramify", mountPoint, "-o", opts);
    } catch (FuseMountFailedException e) {
      throw new IOException("cannot mount " + mountPoint + " (is /dev/fuse there, and fuse3 installed?): "
          + e.getMessage(), e);
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
    Process p = new ProcessBuilder("fusermount3", "-u", "-z", mountPoint.toString()).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(UNMOUNT_WAIT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
        LOG.warn("fusermount3 -u {} did not succeed: {}", mountPoint, new String(p.getInputStream().readAllBytes()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public Path dataDir() {
    return mountPoint.resolve(RamifyFs.DATA);
  }

  @Override
  public void close() throws IOException {
    fusermountUnmount(mountPoint);
    try {
      fuse.close();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("FUSE session of " + mountPoint + " did not end", e);
    }
  }
}
