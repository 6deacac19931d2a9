package io.ramify.adapter.compute;

import com.codahale.metrics.MetricRegistry;
import io.ramify.adapter.backend.ClusterBackend;
import io.ramify.adapter.fs.DataDir;
import io.ramify.adapter.fs.Mount;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.pagestore.client.Views;
import io.ramify.pagestore.proto.ViewLevel;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.proto.TimelineStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compute: a stock Postgres on a FUSE mount of one timeline's view. Start takes a generation
 * and claims the timeline (fencing older computes, learning the durable ends), mounts the view,
 * runs {@code initdb -k} on a new root timeline, and starts Postgres; stop shuts Postgres down
 * cleanly, makes every op durable and unmounts. The generation is the timeline's current one plus
 * one until the catalog hands them out (issue 5).
 */
public final class Compute implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Compute.class);
  /** Adapter block cache. */
  static final long CACHE_BYTES_DEFAULT = 256L << 20;
  /** Ancestors followed when building a view (a deeper tree is a bug upstream). */
  static final int MAX_ANCESTRY = 256;

  public record Config(WalCluster wal, List<String> pageStores, TimelineId timeline, Path mountPoint,
      Path workDir, int port, String osUser, int uid, int gid) {}

  private final Config config;
  private final MetricRegistry metrics = new MetricRegistry();
  private WalClient walClient;
  private PageStoreClient pages;
  private TimelineWriter writer;
  private DataDir dataDir;
  private Mount mount;
  private PostgresProcess postgres;
  private Generation generation;

  public Compute(Config config) {
    this.config = config;
  }

  /** Starts everything; on failure undoes what was started and rethrows. */
  public Compute start() throws IOException {
    try {
      return startSteps();
    } catch (IOException | RuntimeException e) {
      try {
        close();
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private Compute startSteps() throws IOException {
    long t0 = System.nanoTime();
    checkTraversable(config.mountPoint().toAbsolutePath().getParent());
    walClient = WalClient.connect(config.wal(), WalClientConfig.DEFAULT);
    pages = new PageStoreClient(config.pageStores(), PageStoreClientConfig.DEFAULT);
    TimelineStatus before = WalClient.await(walClient.status(config.timeline()));
    generation = Generation.of(before.getGeneration() + 1);
    TimelineStatus claimed = WalClient.await(walClient.claim(config.timeline(), generation));
    writer = walClient.writer(config.timeline(), generation, claimed);
    List<ViewLevel> ancestry = ancestry(claimed);
    dataDir = new DataDir(new ClusterBackend(walClient, pages, config.timeline(), claimed, writer, ancestry),
        CACHE_BYTES_DEFAULT);
    mount = Mount.mount(config.mountPoint(), dataDir, config.uid(), config.gid(), metrics);
    long mounted = System.nanoTime();
    postgres = new PostgresProcess(mount.dataDir(), config.workDir(), config.port(), config.osUser());
    if (!Files.exists(mount.dataDir().resolve("PG_VERSION"))) {
      LOG.info("timeline {} is new: running initdb -k", config.timeline().shortForm());
      postgres.initdb();
      syncAll();
    }
    postgres.start();
    LOG.info("compute on timeline {} (generation {}) ready on port {}: mount {} ms, start {} ms",
        config.timeline().shortForm(), generation, config.port(), (mounted - t0) / 1_000_000,
        (System.nanoTime() - mounted) / 1_000_000);
    return this;
  }

  /** Postgres, running as its own OS user, must be able to walk down to the mount. */
  private void checkTraversable(Path dir) throws IOException {
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(
          java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)
          && !Files.getOwner(p).getName().equals(config.osUser())) {
        throw new IOException("the OS user " + config.osUser() + " cannot traverse " + p + " to reach the mount "
            + config.mountPoint() + "; allow it (chmod o+x " + p + ") or mount elsewhere");
      }
    }
  }

  /** The parent levels of this timeline's view: each ancestor at its child's fork cut. */
  private List<ViewLevel> ancestry(TimelineStatus s) {
    List<ViewLevel> out = new ArrayList<>();
    TimelineStatus cur = s;
    while (!cur.getParent().isEmpty()) {
      if (out.size() >= MAX_ANCESTRY) {
        throw new IllegalStateException("ancestry of " + config.timeline() + " deeper than " + MAX_ANCESTRY);
      }
      TimelineId parent = TimelineId.fromBytes(cur.getParent().toByteArray());
      out.add(Views.level(parent, cur.getForkCut()));
      cur = WalClient.await(walClient.status(parent));
    }
    return out;
  }

  private void syncAll() throws IOException {
    try {
      dataDir.sync();
    } catch (io.ramify.adapter.fs.FsError e) {
      throw new IOException("timeline " + config.timeline().shortForm() + " did not become durable: "
          + e.getMessage(), e);
    }
  }

  public PostgresProcess postgres() {
    return postgres;
  }

  public Generation generation() {
    return generation;
  }

  public MetricRegistry metrics() {
    return metrics;
  }

  /** Clean stop: fast shutdown (a shutdown checkpoint), every op durable, unmount. */
  @Override
  public void close() throws IOException {
    try {
      if (postgres != null) {
        postgres.stop();
      }
      if (dataDir != null) {
        syncAll();
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException("stopping compute on " + config.timeline() + ": " + e.getMessage(), e);
    } finally {
      if (mount != null) {
        mount.close();
      }
      if (pages != null) {
        pages.close();
      }
      if (walClient != null) {
        walClient.close();
      }
    }
  }
}
