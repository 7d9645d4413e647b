package io.incidentcorrelator.it;

import io.incidentcorrelator.embedded.EmbeddedKafkaBroker;
import io.incidentcorrelator.testsupport.IncidentExpectations;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code replay --bootstrap-servers} from the packaged launcher against a running broker: it leaves no topic and no
 * group behind, and it refuses to keep topics whose schema ids would point at a registry that ends with it.
 */
class ReplayOnClusterIT {

    @Test
    void aReplayOnAClusterLeavesNothingBehindAndRefusesDanglingSchemaIds(@TempDir Path dir) throws Exception {
        final AcceptanceScenarios.Scenario scenario = AcceptanceScenarios.all().stream()
                .filter(s -> s.name().equals("kube-state-metrics-stagger")).findFirst().orElseThrow();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            final Set<String> before = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            final Path out = dir.resolve("incidents.jsonl");

            final ReplayCommandIT.Result replay = ReplayCommandIT.correlator(dir, "replay", "--bootstrap-servers",
                    broker.bootstrapServers(), "--out", out.toString(), scenario.events().toString());
            assertEquals(0, replay.exitCode(), replay.stderr());
            assertEquals(List.of(), IncidentExpectations.problems(scenario.expected(), Files.readString(out)));
            assertEquals(before, admin.listTopics().names().get(30, TimeUnit.SECONDS), "no topic left behind");
            assertEquals(List.of(), admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .map(g -> g.groupId()).toList(), "no consumer group left behind");

            for (List<String> keeping : List.of(List.of("--keep-topics"), List.of("--topic-prefix", "mine."))) {
                final String[] args = java.util.stream.Stream.concat(
                        java.util.stream.Stream.of("replay", "--bootstrap-servers", broker.bootstrapServers()),
                        java.util.stream.Stream.concat(keeping.stream(), java.util.stream.Stream.of(
                                scenario.events().toString()))).toArray(String[]::new);
                final ReplayCommandIT.Result refused = ReplayCommandIT.correlator(dir, args);
                assertEquals(2, refused.exitCode(), refused.stderr());
                assertEquals(1, refused.stderr().lines().count(), refused.stderr());
                assertTrue(refused.stderr().contains("--schema-registry-url"), refused.stderr());
                assertEquals(before, admin.listTopics().names().get(30, TimeUnit.SECONDS), "nothing written: " + keeping);
            }
        }
    }
}
