package io.incidentcorrelator.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.incidentcorrelator.avro.BackupEvent;
import io.incidentcorrelator.avro.PodRestart;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://registry-test");

    @Test
    void idsStartAtOneAndRepeatForTheSameSchema() {
        assertEquals(1, registry.register("pod-restarts-value", PodRestart.getClassSchema()));
        assertEquals(2, registry.register("backup-events-value", BackupEvent.getClassSchema()));
        assertEquals(1, registry.register("pod-restarts-value", PodRestart.getClassSchema()), "same schema, same id");
        assertEquals(1, registry.versions("pod-restarts-value").size(), "and no new version");
        // A re-parsed copy is the same schema.
        assertEquals(1, registry.register("pod-restarts-value",
                new Schema.Parser().parse(PodRestart.getClassSchema().toString())));
    }

    @Test
    void identicalSchemasShareTheirIdAcrossSubjects() {
        final int id = registry.register("pod-restarts-value", PodRestart.getClassSchema());
        assertEquals(id, registry.register("pod-restarts-replay-value", PodRestart.getClassSchema()));
        assertEquals(List.of("pod-restarts-replay-value", "pod-restarts-value"), registry.subjects());
        assertEquals(1, registry.versions("pod-restarts-replay-value").get(0).version());
    }

    @Test
    void lookupAndFetch() {
        final int id = registry.register("pod-restarts-value", PodRestart.getClassSchema());
        assertEquals(id, registry.lookupId("pod-restarts-value", PodRestart.getClassSchema()));
        assertEquals(PodRestart.getClassSchema(), registry.schemaById(id));
        assertEquals(id, registry.latest("pod-restarts-value").orElseThrow().id());
    }

    @Test
    void notFoundErrorsLookLikeConfluents() {
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> registry.schemaById(99));
        assertEquals("Schema registry mock://registry-test answered HTTP 404, error_code 40403: Schema 99 not found "
                + "(fetching schema id 99)", e.getMessage());
        assertTrue(e.isNotFound());

        e = assertThrows(SchemaRegistryException.class,
                () -> registry.lookupId("pod-restarts-value", PodRestart.getClassSchema()));
        assertEquals(40401, e.errorCode());

        registry.register("pod-restarts-value", PodRestart.getClassSchema());
        e = assertThrows(SchemaRegistryException.class,
                () -> registry.lookupId("pod-restarts-value", BackupEvent.getClassSchema()));
        assertEquals(40403, e.errorCode());
    }

    @Test
    void compatibleWhenTheSubjectDoesNotExistYet() {
        assertTrue(registry.isCompatible("new-topic-value", PodRestart.getClassSchema()));
    }

    @Test
    void concurrentRegistrationsGiveOneIdPerSchema() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                final String subject = "topic-" + (i % 10) + "-value";
                final Schema schema = i % 2 == 0 ? PodRestart.getClassSchema() : BackupEvent.getClassSchema();
                results.add(pool.submit(() -> registry.register(subject, schema)));
            }
            final Set<Integer> ids = ConcurrentHashMap.newKeySet();
            for (Future<Integer> f : results) {
                ids.add(f.get(10, TimeUnit.SECONDS));
            }
            assertEquals(Set.of(1, 2), ids);
            assertEquals(10, registry.subjects().size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void mockUrlsNeedAScope() {
        assertThrows(ConfigException.class, () -> SchemaRegistries.forUrl("mock://", java.util.Map.of()));
        assertThrows(ConfigException.class, () -> SchemaRegistries.forUrl("", java.util.Map.of()));
        assertThrows(ConfigException.class, () -> SchemaRegistries.forUrl("ftp://registry", java.util.Map.of()));
    }
}
