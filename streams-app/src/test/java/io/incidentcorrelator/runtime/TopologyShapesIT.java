package io.incidentcorrelator.runtime;

import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.testsupport.PipelineHarness;
import io.incidentcorrelator.testsupport.TestKafka;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topology.TopologyFactory.Shape;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which shape the topology takes on a real broker: without the repartition topic only when every
 * input has one partition and the repartition topic, if an earlier run left one, holds nothing
 * unprocessed; and how far behind an application is in either shape.
 */
class TopologyShapesIT {

    @Test
    void theRepartitionIsLeftOutOnlyWhenEveryInputHasOnePartitionAndNothingIsLeftInIt() throws Exception {
        final CorrelatorConfig config = CorrelatorConfig.defaults();
        final TopicNames names = config.topics();
        final String app = "shapes-it";
        final String repartition = TopologyShapes.repartitionTopic(app);
        try (TestKafka kafka = TestKafka.start(); Admin admin = kafka.admin()) {
            assertEquals(Shape.REPARTITION_BY_CLUSTER, TopologyShapes.choose(admin, names, app).shape(),
                    "no input topic yet: the shape that fits any partitioning");

            new PipelineHarness(kafka.bootstrapServers(), Map.of(), names,
                    Pipeline.topics(config, SchemaRegistries.mockScope("shapes-it"))).createTopics();
            final TopologyShapes.Choice single = TopologyShapes.choose(admin, names, app);
            assertEquals(Shape.SINGLE_PARTITION, single.shape(), single.reason());
            assertTrue(single.reason().contains("every input topic has one partition"), single.reason());
            assertEquals(0, TopologyShapes.behind(admin, app, TopologyShapes.inputTopics(names)));

            // An earlier run in the repartitioned shape stopped with three records it had not processed.
            admin.createTopics(List.of(new NewTopic(repartition, Optional.of(1), Optional.empty()))).all().get();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(repartition, "prod", "event " + i)).get();
                }
            }
            final TopologyShapes.Choice pending = TopologyShapes.choose(admin, names, app);
            assertEquals(Shape.REPARTITION_BY_CLUSTER, pending.shape(), pending.reason());
            assertTrue(pending.reason().contains(repartition + " still holds 3 records"), pending.reason());
            assertEquals(3, TopologyShapes.behind(admin, app, TopologyShapes.inputTopics(names)),
                    "the repartition topic's records count as not yet processed");

            admin.alterConsumerGroupOffsets(app, Map.of(new TopicPartition(repartition, 0), new OffsetAndMetadata(3)))
                    .all().get();
            assertEquals(Shape.SINGLE_PARTITION, TopologyShapes.choose(admin, names, app).shape(),
                    "drained: the next start leaves the repartition topic out");
            assertEquals(0, TopologyShapes.behind(admin, app, TopologyShapes.inputTopics(names)));

            admin.createPartitions(Map.of(names.proxmoxMemory(), NewPartitions.increaseTo(2))).all().get();
            final TopologyShapes.Choice grown = TopologyShapes.choose(admin, names, app);
            assertEquals(Shape.REPARTITION_BY_CLUSTER, grown.shape(), grown.reason());
            assertTrue(grown.reason().contains(names.proxmoxMemory() + " has 2 partitions"), grown.reason());
        }
    }
}
