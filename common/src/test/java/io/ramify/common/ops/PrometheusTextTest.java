package io.ramify.common.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.MetricRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void aMetricOfSeveralRegistriesIsOneFamilyWithASeriesEach() {
        MetricRegistry plane = new MetricRegistry();
        plane.counter("api.requests").inc(3);
        MetricRegistry main = new MetricRegistry();
        main.counter("adapter.ops.wal").inc(5);
        MetricRegistry dev = new MetricRegistry();
        dev.counter("adapter.ops.wal").inc(7);
        Map<String, MetricRegistry> all = new LinkedHashMap<>();
        all.put("", plane);
        all.put(PrometheusText.label("branch", "main"), main);
        all.put(PrometheusText.label("branch", "de\"v"), dev);
        assertEquals("""
        # TYPE ramify_adapter_ops_wal_total counter
        ramify_adapter_ops_wal_total{branch="de\\"v"} 7
        ramify_adapter_ops_wal_total{branch="main"} 5
        # TYPE ramify_api_requests_total counter
        ramify_api_requests_total 3
        """, PrometheusText.render(all));
    }

    @Test
    void summariesCarryTheirLabelsBesideTheQuantile() {
        MetricRegistry r = new MetricRegistry();
        r.histogram("batch").update(4);
        String text = PrometheusText.render(Map.of(PrometheusText.label("branch", "main"), r));
        assertEquals(true, text.contains("ramify_batch{branch=\"main\",quantile=\"0.5\"} 4.0\n"), text);
        assertEquals(true, text.contains("ramify_batch_count{branch=\"main\"} 1\n"), text);
    }
}
