package io.incidentcorrelator.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.PodRestart;
import io.incidentcorrelator.avro.internal.ClockTick;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.runtime.CorrelatorService;
import io.incidentcorrelator.runtime.Pipeline;
import io.incidentcorrelator.runtime.TopicProvisioner;
import io.incidentcorrelator.serde.SchemaRegistries;
import io.incidentcorrelator.serde.SchemaRegistryClient;
import io.incidentcorrelator.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances of {@code correlator run --port 0} sharing one application id on two partitions:
 * each answers for the whole view, forwarding lookups to the instance that holds the key and
 * merging the list from both.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WebRoutingIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyInstanceAnswersForAllIncidents(@TempDir Path state) throws Exception {
        final String scope = "web-routing-" + UUID.randomUUID();
        final SchemaRegistryClient registry = SchemaRegistries.forUrl(SchemaRegistries.MOCK_SCHEME + scope, Map.of());
        final CorrelatorConfig config = CorrelatorConfig.defaults();
        final Topics topics = Pipeline.topics(config, registry);
        // Two clusters whose names land on different partitions, so each instance holds one.
        final List<String> clusters = List.of("prod", otherPartitionThan("prod"));
        final List<WebServer> servers = new ArrayList<>();
        final List<CorrelatorService> services = new ArrayList<>();
        // The embedded broker of demo and replay: one partition for the offsets and transaction logs
        // makes the first transactional commits quick (the test kit's broker took a minute here).
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicProvisioner.ensureTopics(admin, config.topics(), 2, "the embedded broker", Map.of());
            final String appId = "web-routing-" + UUID.randomUUID().toString().substring(0, 8);
            for (int n = 0; n < 2; n++) {
                final WebServer web = WebServer.start(new InetSocketAddress("127.0.0.1", 0));
                servers.add(web);
                final HostInfo self = new HostInfo("127.0.0.1", web.port());
                final Map<String, String> overrides = new java.util.HashMap<>();
                overrides.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + web.port());
                final CorrelatorService service = CorrelatorService.start(new CorrelatorService.Settings(config,
                        kafka.bootstrapServers(), registry, appId, state.resolve("i" + n), overrides, null), s -> { });
                services.add(service);
                web.attach(service.kafkaStreams(), self, config.classifier());
            }
            produce(kafka, topics, clusters);

            // Both instances list both incidents, whichever holds them.
            for (WebServer web : servers) {
                final Set<String> listed = await("the instance on " + web.port() + " to list both incidents")
                        .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> clustersListed(web, "api/incidents"), l -> l.size() >= 2);
                assertEquals(new TreeSet<>(clusters), listed, "instance on " + web.port());
            }
            // Each holds a part: together the local answers are the whole.
            final Set<String> local = new TreeSet<>();
            int instancesHoldingSome = 0;
            for (WebServer web : servers) {
                final Set<String> here = clustersListed(web, "api/incidents?local=1");
                instancesHoldingSome += here.isEmpty() ? 0 : 1;
                local.addAll(here);
            }
            assertEquals(new TreeSet<>(clusters), local);
            // A lookup by id and a timeline by cluster work on either instance (forwarded or not).
            final JsonNode all = JSON.readTree(get(servers.get(0), "api/incidents").body());
            for (JsonNode incident : all) {
                for (WebServer web : servers) {
                    final HttpResponse<String> one = get(web, "api/incidents/" + incident.path("id").asText());
                    assertEquals(200, one.statusCode(), one.body());
                    assertEquals(incident.path("id").asText(), JSON.readTree(one.body()).path("id").asText());
                    final HttpResponse<String> timeline = get(web, "api/timeline?incident=" + incident.path("id").asText());
                    assertEquals(200, timeline.statusCode(), timeline.body());
                    assertEquals(1, JSON.readTree(timeline.body()).path("restarts").size(), timeline.body());
                }
            }
            assertTrue(instancesHoldingSome >= 1);
        } finally {
            servers.forEach(WebServer::close);
            services.forEach(CorrelatorService::close);
            SchemaRegistries.dropMockScope(scope);
        }
    }

    private static String otherPartitionThan(String cluster) {
        for (String candidate : List.of("monit", "lab", "edge", "dev", "staging", "home")) {
            if (partition(candidate) != partition(cluster)) {
                return candidate;
            }
        }
        throw new AssertionError("no cluster name on the other partition");
    }

    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 2;
    }

    /** An OOM kill per cluster (classified without other evidence), then a tick that passes it. */
    private static void produce(EmbeddedKafkaBroker kafka, Topics topics, List<String> clusters) {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        final Instant at = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (String cluster : clusters) {
                send(producer, topics, topics.names().inventory(), cluster + "/node-1", NodePlacement.newBuilder()
                        .setCluster(cluster).setNode("node-1").setHost("pve-" + cluster).setVmid(100)
                        .setRole("worker").build(), null);
            }
            for (String cluster : clusters) {
                send(producer, topics, topics.names().podRestarts(), cluster + "/apps/api-0/api", PodRestart.newBuilder()
                        .setCluster(cluster).setNamespace("apps").setPod("api-0").setContainer("api").setNode("node-1")
                        .setRestartCount(3).setTerminatedReason("OOMKilled").setExitCode(137).setFinishedAt(at)
                        .build(), at);
            }
            final Instant tick = at.plus(Duration.ofMinutes(2));
            producer.send(new ProducerRecord<>(topics.names().clock(), null, tick.toEpochMilli(), "clock",
                    Pipeline.internalSerdes().forValue(ClockTick.class).serializer()
                            .serialize(topics.names().clock(), new ClockTick(tick))));
            producer.flush();
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topics topics, String topic, String key,
                             SpecificRecord value, Instant time) {
        final byte[] bytes = topics.<SpecificRecord>valueSerdeFor(topic).serializer().serialize(topic, value);
        producer.send(new ProducerRecord<>(topic, null, time == null ? null : time.toEpochMilli(), key, bytes));
    }

    private Set<String> clustersListed(WebServer web, String path) throws Exception {
        final HttpResponse<String> r = get(web, path);
        final Set<String> clusters = new TreeSet<>();
        if (r.statusCode() == 200) {
            JSON.readTree(r.body()).forEach(i -> clusters.add(i.path("cluster").asText()));
        }
        return clusters;
    }

    private HttpResponse<String> get(WebServer web, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + "/" + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
