package io.incidentcorrelator.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.incident.IncidentIds;
import io.incidentcorrelator.replay.ContractJson;
import io.incidentcorrelator.topology.StoreNames;
import io.incidentcorrelator.topology.TimelineBucket;
import io.incidentcorrelator.topology.TimelinePoint;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Interactive queries behind the API. A store's keys are spread over the instances sharing the
 * application id: a lookup by key goes to the instance that holds the key's partition
 * ({@link KafkaStreams#queryMetadataForKey}); the list asks every instance that has the store
 * ({@link KafkaStreams#streamsMetadataForStore}) and merges. A forwarded request carries
 * {@code local=1}, so the receiver answers from its own stores and requests never bounce around
 * during a rebalance.
 */
final class IncidentQueries {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Comparator<Incident> NEWEST_FIRST = Comparator.comparing(Incident::getWindowStart).reversed()
            .thenComparing(Incident::getId);

    /** An answer from another instance, passed on as it came. */
    record Remote(int status, String body) {
    }

    /** The store is not queryable here yet (starting, rebalancing, restoring): try again shortly. */
    static final class NotReady extends RuntimeException {
        NotReady(String message) {
            super(message);
        }
    }

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** @param self this instance's {@code application.server}; null when it runs alone */
    IncidentQueries(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    /** Incidents matching {@code filter} on every instance (or only here, {@code local}), newest first. */
    List<JsonNode> list(Predicate<Incident> filter, String query, boolean local) throws IOException, InterruptedException {
        final Map<String, JsonNode> byId = new LinkedHashMap<>();
        final List<Incident> here = new ArrayList<>();
        try (KeyValueIterator<String, Incident> it = incidents().all()) {
            while (it.hasNext()) {
                final KeyValue<String, Incident> entry = it.next();
                if (entry.value != null && filter.test(entry.value)) {
                    here.add(entry.value);
                }
            }
        }
        here.sort(NEWEST_FIRST);
        here.forEach(i -> byId.put(i.getId(), ContractJson.toJson(i)));
        if (!local && self != null) {
            for (StreamsMetadata instance : streams.streamsMetadataForStore(StoreNames.INCIDENTS_VIEW)) {
                if (!isSelf(instance.hostInfo())) {
                    final Remote remote = get(instance.hostInfo(), "/api/incidents", query);
                    if (remote.status() != 200) {
                        throw new NotReady("instance " + instance.hostInfo() + " answered " + remote.status());
                    }
                    JSON.readTree(remote.body()).forEach(node -> byId.putIfAbsent(node.path("id").asText(), node));
                }
            }
        }
        final List<JsonNode> merged = new ArrayList<>(byId.values());
        // Contract JSON times are ISO-8601 UTC of one format, so text order is time order.
        merged.sort(Comparator.comparing((JsonNode n) -> n.path("windowStart").asText()).reversed()
                .thenComparing(n -> n.path("id").asText()));
        return merged;
    }

    /** The incident held here, or where its key lives; empty when no instance has it. */
    Optional<Incident> localIncident(String id) {
        return Optional.ofNullable(incidents().get(id));
    }

    /** The instance holding {@code key} of {@code store}, or null when that is this one. */
    HostInfo ownerOf(String store, String key) {
        if (self == null) {
            return null;
        }
        final KeyQueryMetadata metadata = store.equals(StoreNames.INCIDENTS_VIEW)
                ? streams.queryMetadataForKey(store, key, IncidentQueries::partitionOfIncident)
                : streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new NotReady("no instance holds " + store + " yet");
        }
        return isSelf(metadata.activeHost()) ? null : metadata.activeHost();
    }

    /**
     * The view lives where its cluster's events are: the partition of the cluster in the id, by
     * Kafka's default hash as {@code ClusterPartitioner} does. An id that names no cluster is
     * answered here (404).
     */
    private static Optional<Set<Integer>> partitionOfIncident(String topic, String id, Object value, int partitions) {
        final IncidentIds.Parts parts = IncidentIds.parse(id);
        final String key = parts == null ? id : parts.cluster();
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions));
    }

    /** The chart's data for {@code cluster} between {@code from} and {@code to}, from this instance's store. */
    ObjectNode localTimeline(String cluster, Instant from, Instant to) {
        final ReadOnlyWindowStore<String, TimelineBucket> store = store(StoreNames.TIMELINE,
                QueryableStoreTypes.windowStore());
        final List<TimelinePoint> points = new ArrayList<>();
        try (WindowStoreIterator<TimelineBucket> it = store.fetch(cluster, from.minus(Timeline.BACKUP_LOOKBACK), to)) {
            while (it.hasNext()) {
                points.addAll(it.next().value.points());
            }
        }
        return Timeline.toJson(cluster, from.toEpochMilli(), to.toEpochMilli(), points);
    }

    /** GET {@code path?query&local=1} on another instance. */
    Remote get(HostInfo host, String path, String query) throws IOException, InterruptedException {
        final String q = (query == null || query.isEmpty() ? "" : query + "&") + "local=1";
        final HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://" + host.host() + ":" + host.port() + path + "?" + q))
                .timeout(Duration.ofSeconds(10)).GET().build();
        final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Remote(response.statusCode(), response.body());
    }

    static ArrayNode array(List<JsonNode> nodes) {
        final ArrayNode array = JSON.createArrayNode();
        nodes.forEach(array::add);
        return array;
    }

    private ReadOnlyKeyValueStore<String, Incident> incidents() {
        return store(StoreNames.INCIDENTS_VIEW, QueryableStoreTypes.keyValueStore());
    }

    private <T> T store(String name, org.apache.kafka.streams.state.QueryableStoreType<T> type) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(name, type));
        } catch (InvalidStateStoreException e) {
            throw new NotReady(name + " is not queryable now: " + e.getMessage());
        }
    }

    private boolean isSelf(HostInfo host) {
        return self == null || host == null || host.equals(self) || host.port() < 0;
    }
}
