package io.incidentcorrelator.bench;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Feeds a running box (the footprint measurement, {@code docs/performance.md}) with the bench's synthetic homelab
 * (4 Proxmox hosts, 3 Kubernetes clusters, 18 guests sampled every 10 s, 5 etcd members every 15 s), serialized and
 * keyed as the collectors send it:
 *
 * <pre>
 * java -cp streams-app/target/incident-correlator.jar io.incidentcorrelator.bench.BoxFeed history BOOTSTRAP REGISTRY DAYS
 * java -cp streams-app/target/incident-correlator.jar io.incidentcorrelator.bench.BoxFeed live BOOTSTRAP REGISTRY MINUTES
 * </pre>
 *
 * {@code history}: DAYS days ending now, as fast as the box takes them (a box with a month on disk).
 * {@code live}: from now on at the collectors' real pace, each record sent when its event time comes, for MINUTES.
 * {@code caught-up BOOTSTRAP REGISTRY APPLICATION_ID} prints the input records the application has still to consume.
 */
public final class BoxFeed {

    private BoxFeed() {
    }

    public static void main(String[] args) throws Exception {
        io.incidentcorrelator.serde.AvroClassTrust.trustGeneratedClasses(); // as CorrelatorCli does at start-up
        if (args.length != 4 || !java.util.List.of("history", "live", "caught-up").contains(args[0])) {
            System.err.println("usage: BoxFeed history|live|caught-up BOOTSTRAP REGISTRY_URL DAYS|MINUTES|APPLICATION_ID");
            System.exit(2);
        }
        final String bootstrap = args[1];
        if (args[0].equals("caught-up")) {
            // Records the application has still to consume: 0 once it has processed everything sent.
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    BenchKafka.client(bootstrap))) {
                System.out.println(io.incidentcorrelator.runtime.TopologyShapes.behind(admin, args[3],
                        io.incidentcorrelator.runtime.TopologyShapes.inputTopics(
                                io.incidentcorrelator.topics.TopicNames.defaults())));
            }
            return;
        }
        final CorrelatorConfig config = CorrelatorConfig.defaults();
        final Topics topics = Pipeline.topics(config, SchemaRegistries.forUrl(args[2], Map.of()));
        final int amount = Integer.parseInt(args[3]);
        if (args[0].equals("history")) {
            final Instant from = Instant.now().minus(Duration.ofDays(amount));
            final long started = System.nanoTime();
            final BenchKafka.Produced produced = BenchKafka.produceHistory(bootstrap, topics, config,
                    new SyntheticHomelab(42, from), Duration.ofDays(amount), false, n -> System.err.println("feed: " + n + " records"));
            System.err.printf("feed: %d events of %d days (to %s) in %.1f s%n", produced.events(), amount,
                    produced.lastEvent(), (System.nanoTime() - started) / 1e9);
            return;
        }
        live(bootstrap, topics, Duration.ofMinutes(amount));
    }

    private static void live(String bootstrap, Topics topics, Duration length) {
        final Instant start = Instant.now();
        final long end = start.plus(length).toEpochMilli();
        final Map<String, org.apache.kafka.common.serialization.Serializer<SpecificRecord>> serializers = new HashMap<>();
        final long[] sent = {0};
        try (KafkaProducer<String, byte[]> producer = BenchKafka.producer(bootstrap, 5)) {
            new SyntheticHomelab(42, start).generate(1, (topic, key, value, ts) -> {
                if (ts >= end) {
                    throw new Finished();
                }
                final long wait = ts - System.currentTimeMillis();
                if (wait > 0) {
                    BenchKafka.sleep(Duration.ofMillis(wait));
                }
                final String name = topics.names().name(topic);
                final byte[] bytes = serializers.computeIfAbsent(name,
                        n -> topics.<SpecificRecord>valueSerdeFor(n).serializer()).serialize(name, value);
                producer.send(new ProducerRecord<>(name, null, ts, key, bytes));
                if (++sent[0] % 1000 == 0) {
                    System.err.println("feed: " + sent[0] + " records sent live");
                }
            });
        } catch (Finished done) {
            System.err.println("feed: " + sent[0] + " records sent live in " + length);
        }
    }

    /** The live feed's time is up. */
    private static final class Finished extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Finished() {
            super(null, null, false, false);
        }
    }
}
