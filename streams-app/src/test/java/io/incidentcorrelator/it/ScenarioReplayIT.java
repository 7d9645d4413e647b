package io.incidentcorrelator.it;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.IncidentStatus;
import io.incidentcorrelator.config.CorrelatorConfig;
import io.incidentcorrelator.replay.IncidentJsonWriter;
import io.incidentcorrelator.replay.ReplayRunner;
import io.incidentcorrelator.replay.ScenarioReader;
import io.incidentcorrelator.serde.EmbeddedSchemaRegistryServer;
import io.incidentcorrelator.serde.InMemorySchemaRegistry;
import io.incidentcorrelator.testsupport.IncidentExpectations;
import io.incidentcorrelator.testsupport.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The acceptance criterion: every scenario replays, through a real Kafka broker, to exactly
 * its expected incidents (the same comparison as {@code check-incidents.py}).
 */
class ScenarioReplayIT {

    private static TestKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    static List<AcceptanceScenarios.Scenario> scenarios() {
        return AcceptanceScenarios.all();
    }

    @Test
    void replaysThroughAnHttpSchemaRegistryToo() throws Exception {
        final AcceptanceScenarios.Scenario scenario = AcceptanceScenarios.all().stream()
                .filter(s -> s.name().equals("oom-and-pull-failures")).findFirst().orElseThrow();
        final InMemorySchemaRegistry backing = new InMemorySchemaRegistry();
        try (EmbeddedSchemaRegistryServer registry = EmbeddedSchemaRegistryServer.start(backing)) {
            final ReplayRunner runner = new ReplayRunner(ReplayRunner.Options.embedded(CorrelatorConfig.defaults(), null)
                    .withCluster(kafka.bootstrapServers(), registry.url(), "http-registry."));
            final List<Incident> incidents = runner.run(new ScenarioReader().read(scenario.events()));
            final String jsonLines = incidents.stream().map(IncidentJsonWriter::toLine)
                    .collect(Collectors.joining("\n", "", "\n"));
            assertEquals(List.of(), IncidentExpectations.problems(scenario.expected(), jsonLines));
            assertTrue(backing.subjects().contains("http-registry.incidents-value"), backing.subjects().toString());
            assertTrue(backing.subjects().contains("http-registry.pod-restarts-value"), backing.subjects().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void replaysToExactlyItsExpectedIncidents(AcceptanceScenarios.Scenario scenario) throws Exception {
        final ReplayRunner runner = new ReplayRunner(ReplayRunner.Options.embedded(CorrelatorConfig.defaults(), null)
                .withCluster(kafka.bootstrapServers(), null, scenario.name() + "."));
        final List<Incident> incidents = runner.run(new ScenarioReader().read(scenario.events()));

        final String jsonLines = incidents.stream().map(IncidentJsonWriter::toLine)
                .collect(Collectors.joining("\n", "", "\n"));
        assertEquals(List.of(), IncidentExpectations.problems(scenario.expected(), jsonLines),
                "replay output:\n" + jsonLines);

        for (Incident incident : incidents) {
            assertEquals(IncidentStatus.RESOLVED, incident.getStatus(),
                    incident.getId() + ": replay runs event time past every window, so everything resolves");
            assertTrue(incident.getRevision() >= 2, incident.getId() + " was opened, then resolved");
            assertFalse(incident.getSummary().isBlank());
            assertFalse(incident.getRecommendedActions().isEmpty(), incident.getId() + " has actions");
            assertFalse(incident.getEvidence().isEmpty(), incident.getId() + " has evidence");
        }
    }
}
