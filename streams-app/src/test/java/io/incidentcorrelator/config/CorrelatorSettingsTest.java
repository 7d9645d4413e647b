package io.incidentcorrelator.config;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The settings as a user meets them: values from the file and the environment, and the lines a mistake gets. */
class CorrelatorSettingsTest {

    @TempDir
    Path dir;

    @Test
    void aFractionalCountIsRejectedNotTruncated() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("INCIDENT_CORRELATOR_ETCD_SLOW_APPLIES", "1.5")));
        assertEquals("Setting incident-correlator.etcd.slow-applies (env INCIDENT_CORRELATOR_ETCD_SLOW_APPLIES) is "
                + "\"1.5\": expected a whole number, at least 1", e.getMessage());
    }

    @Test
    void aValueOutOfRangeNamesTheAcceptedForm() throws Exception {
        final Path file = Files.writeString(dir.resolve("c.properties"), "incident-correlator.host.io-wait=20\n");
        final ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertEquals("Setting incident-correlator.host.io-wait (env INCIDENT_CORRELATOR_HOST_IO_WAIT) is \"20\": "
                + "expected a ratio above 0 and at most 1, like 0.9", e.getMessage());
    }

    @Test
    void aMistypedVariableNamesTheNearestSetting() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("INCIDENT_CORRELATOR_BACKUP_COOLDOWN", "10m")));
        assertEquals("Unknown setting INCIDENT_CORRELATOR_BACKUP_COOLDOWN in the environment: did you mean "
                + "INCIDENT_CORRELATOR_BACKUP_COOL_DOWN (incident-correlator.backup.cool-down)?", e.getMessage());
    }

    @Test
    void variablesFarFromAnySettingAreTheUsersOwn() {
        // A secret the user named for --token-secret-env, and the collectors' options.
        final ConfigLoader config = ConfigLoader.load(null, Map.of("INCIDENT_CORRELATOR_PROXMOX_TOKEN_SECRET", "x",
                "INCIDENT_CORRELATOR_COLLECT_INTERVAL", "5s", "INCIDENT_CORRELATOR_BACKUP_COOL_DOWN", "10m"));
        assertEquals(Duration.ofMinutes(10), config.correlatorConfig().classifier().backupCoolDown());
    }

    @Test
    void aMistypedFileKeyNamesTheNearestSetting() throws Exception {
        final Path file = Files.writeString(dir.resolve("c.properties"), "incident-correlator.grouping-gab=1h\n");
        final ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertEquals(file + ": unknown setting incident-correlator.grouping-gab: did you mean "
                + "incident-correlator.grouping-gap?", e.getMessage());
    }

    @Test
    void theTimelineRetentionIsASettingNotAStreamsProperty() throws Exception {
        final Path old = Files.writeString(dir.resolve("old.properties"),
                "kafka.incident-correlator.timeline.retention=P14D\n");
        final ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(old, Map.of()));
        assertEquals(old + ": kafka.incident-correlator.timeline.retention is not a Kafka setting: use "
                + "incident-correlator.timeline.retention", e.getMessage());

        final Path file = Files.writeString(dir.resolve("c.properties"), "incident-correlator.timeline.retention=14d\n");
        assertEquals(Duration.ofDays(14), ConfigLoader.load(file, Map.of()).correlatorConfig().timelineRetention());
    }

    @Test
    void theEnvironmentWinsOverTheFileAndDefaultsFillTheRest() throws Exception {
        final Path file = Files.writeString(dir.resolve("c.properties"),
                "incident-correlator.grouping-gap=1h\nincident-correlator.grace=5m\n");
        final CorrelatorConfig c = ConfigLoader.load(file, Map.of("INCIDENT_CORRELATOR_GRACE", "90s"))
                .correlatorConfig();
        assertEquals(Duration.ofHours(1), c.groupingGap());
        assertEquals(Duration.ofSeconds(90), c.grace());
        assertEquals(CorrelatorConfig.defaults().classifier(), c.classifier());
    }

    @Test
    void theDefaultsAreTheRunbooksValues() {
        final CorrelatorConfig d = CorrelatorConfig.defaults();
        assertEquals(Duration.ofMinutes(30), d.groupingGap());
        assertEquals(Duration.ofHours(2), d.grace());
        assertEquals(Duration.ofMillis(500), d.pendingFlushAfter());
        assertEquals(Duration.ofDays(7), d.timelineRetention());
        assertEquals(Duration.ofSeconds(30), d.idleAfter());
        assertEquals(StoreType.IN_MEMORY, d.storeType());
        assertEquals(10.0, d.classifier().etcdWalFsyncP99Ms());
        assertEquals(1, d.classifier().etcdSlowApplies());
        assertEquals(0.95, d.classifier().hostMemoryUsedRatio());
        assertEquals(Duration.ofHours(12), d.classifier().maxBackupDuration());
        assertEquals("incident-correlator-dead-letters", d.topics().deadLetter());
    }
}
