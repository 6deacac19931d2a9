package io.ramify.adapter.fs;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Count and latency of each FUSE operation (fsync's is the wait for durability). */
public final class FsMetrics {
  private final MetricRegistry registry;
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  public FsMetrics(MetricRegistry registry) {
    this.registry = registry;
  }

  void record(String op, long nanos) {
    timers.computeIfAbsent(op, o -> registry.timer("adapter.fuse." + o)).update(nanos, TimeUnit.NANOSECONDS);
  }
}
