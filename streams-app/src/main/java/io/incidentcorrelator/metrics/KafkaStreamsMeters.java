package io.incidentcorrelator.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

import java.util.Map;
import java.util.function.Predicate;

/**
 * The few Kafka Streams metrics an operator of this app watches, read from
 * {@link KafkaStreams#metrics()} at every scrape and summed over threads, tasks and partitions:
 * consumer lag, processing rate and total, records Kafka Streams dropped, live stream threads.
 *
 * <p>Micrometer's KafkaStreamsMetrics binder would export all several hundred metrics, per
 * thread, task and partition, and only discovers new ones every minute; these aggregates are
 * stable series that are right from the first scrape.
 */
public final class KafkaStreamsMeters implements MeterBinder {

    private final KafkaStreams streams;

    public KafkaStreamsMeters(KafkaStreams streams) {
        this.streams = streams;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String kind : new String[] {"main", "global", "restore"}) {
            Gauge.builder("kafka.streams.records.lag.max", streams,
                            s -> max(s, "consumer-fetch-manager-metrics", "records-lag-max",
                                    n -> !n.tags().containsKey("topic") && consumerKind(n).equals(kind)))
                    .description("Largest lag in records of any partition, over the last sample window, of the "
                            + kind + " consumers (NaN until they fetch)")
                    .tag("consumer", kind)
                    .strongReference(true)
                    .register(registry);
        }
        Gauge.builder("kafka.streams.records.lag", streams,
                        s -> sum(s, "consumer-fetch-manager-metrics", "records-lag",
                                n -> n.tags().containsKey("partition") && consumerKind(n).equals("main")))
                .description("Records the input partitions assigned to this instance are behind their end")
                .strongReference(true)
                .register(registry);
        Gauge.builder("kafka.streams.process.rate", streams,
                        s -> sum(s, "stream-thread-metrics", "process-rate", n -> true))
                .description("Records processed per second, all stream threads")
                .baseUnit("records")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder("kafka.streams.process", streams,
                        s -> sum(s, "stream-thread-metrics", "process-total", n -> true))
                .description("Records processed by the live stream threads (restarts from 0 when a thread is replaced)")
                .baseUnit("records")
                .register(registry);
        FunctionCounter.builder("kafka.streams.commits", streams,
                        s -> sum(s, "stream-thread-metrics", "commit-total", n -> true))
                .description("Commits by the live stream threads, each a Kafka transaction (exactly-once); an idle "
                        + "instance makes none (restarts from 0 when a thread is replaced)")
                .register(registry);
        FunctionCounter.builder("kafka.streams.dropped.records", streams,
                        s -> sum(s, "stream-task-metrics", "dropped-records-total", n -> true))
                .description("Records Kafka Streams dropped in the tasks this instance owns "
                        + "(unreadable records; restarts when tasks move)")
                .baseUnit("records")
                .register(registry);
        Gauge.builder("kafka.streams.alive.stream.threads", streams,
                        s -> sum(s, "stream-metrics", "alive-stream-threads", n -> true))
                .strongReference(true)
                .register(registry);
    }

    /** main: a stream thread's consumer; restore: its restore consumer; global: the global thread's. */
    private static String consumerKind(MetricName n) {
        final String client = n.tags().getOrDefault("client-id", "");
        if (client.endsWith("-restore-consumer")) {
            return "restore";
        }
        if (client.endsWith("-global-consumer")) {
            return "global";
        }
        return "main";
    }

    private static double sum(KafkaStreams streams, String group, String name, Predicate<MetricName> filter) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            final MetricName n = e.getKey();
            if (n.group().equals(group) && n.name().equals(name) && filter.test(n)) {
                final Object v = e.getValue().metricValue();
                if (v instanceof Number number && Double.isFinite(number.doubleValue())) {
                    total += number.doubleValue();
                }
            }
        }
        return total;
    }

    private static double max(KafkaStreams streams, String group, String name, Predicate<MetricName> filter) {
        double max = Double.NaN;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            final MetricName n = e.getKey();
            if (n.group().equals(group) && n.name().equals(name) && filter.test(n)) {
                final Object v = e.getValue().metricValue();
                if (v instanceof Number number && Double.isFinite(number.doubleValue())) {
                    max = Double.isNaN(max) ? number.doubleValue() : Math.max(max, number.doubleValue());
                }
            }
        }
        return max;
    }
}
