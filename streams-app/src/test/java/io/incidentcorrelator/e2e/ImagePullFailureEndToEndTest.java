package io.incidentcorrelator.e2e;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.collectors.ScenarioLineWriter;
import io.incidentcorrelator.collectors.kubernetes.InMemoryRestartLedger;
import io.incidentcorrelator.collectors.kubernetes.KubernetesCollectorConfig;
import io.incidentcorrelator.collectors.kubernetes.PodRestartCollector;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.ScenarioEvent;
import io.incidentcorrelator.replay.ScenarioReader;
import io.incidentcorrelator.topics.Topic;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.topics.TopicNames;
import io.incidentcorrelator.topics.Topics;
import io.incidentcorrelator.topology.TopologyFactory;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new deployment whose image cannot be pulled, from the API server to the incident: the pod
 * goes straight to ImagePullBackOff with restartCount 0; the Kubernetes collector (against
 * fabric8's mock API server in CRUD mode) writes what {@code collect kubernetes --print} writes;
 * those lines go through the topology and come out as an IMAGE_PULL_FAILURE incident.
 */
@Timeout(60)
class ImagePullFailureEndToEndTest {

    @Test
    void aPodStuckInImagePullBackOffWithNoRestartIsAnImagePullFailureIncident(@TempDir Path stateDir)
            throws Exception {
        final List<ScenarioEvent> collected = collect();
        assertEquals(1, collected.size(), collected.toString());
        final ScenarioEvent event = collected.get(0);
        assertEquals(Topic.POD_RESTARTS, event.topic());
        assertEquals("lab/media/jellyfin-6c8d9-qwert/jellyfin", event.key());
        final PodRestart record = (PodRestart) event.value();
        assertEquals(0, record.getRestartCount());
        assertEquals("ImagePullBackOff", record.getWaitingReason());

        final CorrelatorConfig config = CorrelatorConfig.defaults().withPendingFlushAfter(Duration.ZERO);
        final TopicNames names = config.topics();
        final Topics topics = Pipeline.topics(config, new InMemorySchemaRegistry("mock://image-pull-e2e"));
        final Properties props = Pipeline.streamsProperties(config, "dummy:9092", "image-pull-e2e", stateDir, Map.of());
        final Topology topology = Pipeline.topology(config, topics, props, TopologyFactory.Shape.REPARTITION_BY_CLUSTER);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, record.getFinishedAt())) {
            final StringSerializer keys = new StringSerializer();
            final TestInputTopic<String, NodePlacement> inventory =
                    driver.createInputTopic(names.inventory(), keys, topics.valueSerde(Topic.INVENTORY).serializer());
            final TestInputTopic<String, PodRestart> restarts =
                    driver.createInputTopic(names.podRestarts(), keys, topics.valueSerde(Topic.POD_RESTARTS).serializer());
            final TestInputTopic<String, ClockTick> clock = driver.createInputTopic(names.clock(), keys,
                    Pipeline.internalSerdes().forValue(ClockTick.class).serializer());
            final TestOutputTopic<String, Incident> incidents = driver.createOutputTopic(names.incidents(),
                    new StringDeserializer(), topics.valueSerde(Topic.INCIDENTS).deserializer());

            inventory.pipeInput("lab/talos-w-01", NodePlacement.newBuilder().setCluster("lab").setNode("talos-w-01")
                    .setHost("ruapehu").setVmid(211).setRole("worker").build());
            restarts.pipeInput(event.key(), record);
            clock.pipeInput("clock", new ClockTick(record.getFinishedAt().plusSeconds(120)));

            final List<KeyValue<String, Incident>> out = incidents.readKeyValuesToList();
            assertTrue(!out.isEmpty(), "no incident");
            final Incident incident = out.get(out.size() - 1).value;
            assertEquals(IncidentCategory.IMAGE_PULL_FAILURE, incident.getCategory(), incident.toString());
            assertEquals("lab", incident.getCluster());
        }
    }

    /** Runs the collector while the pod is created in ImagePullBackOff; returns its --print lines, read back. */
    private static List<ScenarioEvent> collect() throws Exception {
        final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        final Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + server.getPort())
                .withNamespace("default").withRequestTimeout(5_000).build();
        final StringWriter lines = new StringWriter();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
             KubernetesClient kubelet = new KubernetesClientBuilder().withConfig(config).build()) {
            final ScenarioLineWriter sink = new ScenarioLineWriter(lines);
            try (PodRestartCollector collector = new PodRestartCollector(KubernetesCollectorConfig.of("lab")
                    .withLogs(false, 40), sink, client, new InMemoryRestartLedger())) {
                collector.start();
                await("the collector's initial list").atMost(Duration.ofSeconds(20)).until(collector::hasSynced);
                // The scheduler placed it, the kubelet could not pull: no container ever ran.
                final Pod pod = new PodBuilder().withNewMetadata().withNamespace("media")
                        .withName("jellyfin-6c8d9-qwert").endMetadata()
                        .withNewSpec().withNodeName("talos-w-01").addNewContainer().withName("jellyfin")
                        .withImage("jellyfin/jellyfin:10.99.0").endContainer().endSpec()
                        .withNewStatus().withPhase("Pending").addToContainerStatuses(new ContainerStatusBuilder()
                                .withName("jellyfin").withImage("jellyfin/jellyfin:10.99.0").withReady(false)
                                .withRestartCount(0).withNewState().withNewWaiting().withReason("ImagePullBackOff")
                                .withMessage("Back-off pulling image \"jellyfin/jellyfin:10.99.0\"")
                                .endWaiting().endState().build())
                        .endStatus().build();
                kubelet.pods().inNamespace("media").resource(pod).create();
                await("the collector's line for the pod").atMost(Duration.ofSeconds(20))
                        .until(() -> !lines.toString().isEmpty());
                sink.flush();
            }
        } finally {
            server.destroy();
        }
        return new ScenarioReader().read("collect kubernetes --print", new StringReader(lines.toString()));
    }
}
