package io.ramify.control;

import com.codahale.metrics.MetricRegistry;
import io.ramify.control.http.ApiException;
import io.ramify.control.http.HttpApi;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane as a server: the REST API on one port, the computes it runs, and a periodic
 * job that deletes expired branches. On start it marks computes that an earlier control plane left
 * as RUNNING as SUSPENDED (they died with it); on close it stops its computes cleanly.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
  /** How often expired branches are looked for. */
  static final Duration EXPIRY_INTERVAL = Duration.ofSeconds(60);
  /** How long start waits for the catalog to answer (a cluster that is still electing leaders). */
  static final Duration CATALOG_WAIT_MAX = Duration.ofMinutes(2);

  private final ControlPlane plane;
  private final HttpApi api;
  private final ScheduledExecutorService jobs;
  private final MetricRegistry metrics;

  private ControlServer(ControlPlane plane, HttpApi api, ScheduledExecutorService jobs, MetricRegistry metrics) {
    this.plane = plane;
    this.api = api;
    this.jobs = jobs;
    this.metrics = metrics;
  }

  public static ControlServer start(ControlConfig config, String host, int port) throws IOException {
    ControlPlane plane = new ControlPlane(config);
    long deadline = System.nanoTime() + CATALOG_WAIT_MAX.toNanos();
    while (true) {
      try {
        plane.markOrphanedComputes();
        break;
      } catch (ApiException e) {
        if (e.status() != 503 || System.nanoTime() > deadline) {
          plane.close();
          throw new IOException("the catalog did not answer within " + CATALOG_WAIT_MAX + ": " + e.getMessage(), e);
        }
        LOG.info("waiting for the catalog: {}", e.getMessage());
      }
    }
    MetricRegistry metrics = new MetricRegistry();
    HttpApi api;
    try {
      api = HttpApi.start(host, port, Api.routes(plane), metrics);
    } catch (IOException e) {
      plane.close();
      throw new IOException("cannot listen on " + host + ":" + port + " for the API: " + e.getMessage(), e);
    }
    ScheduledExecutorService jobs = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "expiry");
      t.setDaemon(true);
      return t;
    });
    jobs.scheduleWithFixedDelay(() -> {
      try {
        plane.expireBranches();
      } catch (RuntimeException e) {
        LOG.warn("expiring branches: {}", e.getMessage());
      }
    }, EXPIRY_INTERVAL.toMillis(), EXPIRY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("control plane API on http://{}:{}/v1 (OpenAPI: /v1/openapi.json)", host, api.port());
    return new ControlServer(plane, api, jobs, metrics);
  }

  public int port() {
    return api.port();
  }

  public ControlPlane plane() {
    return plane;
  }

  public MetricRegistry metrics() {
    return metrics;
  }

  @Override
  public void close() throws IOException {
    jobs.shutdownNow();
    api.close();
    plane.close();
  }
}
