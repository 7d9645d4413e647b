package io.incidentcorrelator.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/** Secrets from files and the environment; error messages never show them. */
class ConfigLoaderSecretsTest {

    @TempDir
    Path dir;

    private final String password = UUID.randomUUID().toString();

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void kafkaAndRegistrySecretsComeFromFilesNamedInTheEnvironment() throws Exception {
        final String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"app\" "
                + "password=\"" + password + "\";";
        final ConfigLoader config = ConfigLoader.load(null, Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_JAAS_CONFIG_FILE", file("jaas", jaas + "\n").toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD_FILE", file("ts", password + "\r\n").toString(),
                "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE", file("reg", "svc:" + password).toString()));
        assertEquals("SASL_SSL", config.kafkaSettings().get("security.protocol"));
        assertEquals(jaas, config.kafkaSettings().get("sasl.jaas.config"), "trailing line break dropped");
        assertEquals(password, config.kafkaSettings().get("ssl.truststore.password"));
        assertFalse(config.kafkaSettings().containsKey("sasl.jaas.config.file"));
        assertEquals("svc:" + password, config.registrySettings().get("basic.auth.user.info"));
        assertFalse(config.registrySettings().containsKey("basic.auth.user.info.file"));
    }

    @Test
    void secretsComeFromFilesNamedInTheConfigurationFile() throws Exception {
        final Path props = file("correlator.properties", String.join("\n",
                "kafka.security.protocol=SASL_PLAINTEXT",
                "kafka.sasl.mechanism=SCRAM-SHA-512",
                "kafka.sasl.jaas.config.file=" + file("jaas", "x password=\"" + password + "\";"),
                "schema.registry.basic.auth.user.info.file=" + file("reg", "svc:" + password)));
        final ConfigLoader config = ConfigLoader.load(props, Map.of());
        assertEquals("x password=\"" + password + "\";", config.kafkaSettings().get("sasl.jaas.config"));
        assertEquals("svc:" + password, config.registrySettings().get("basic.auth.user.info"));
    }

    @Test
    void theRegistryPasswordCanComeFromThePlainVariableToo() {
        final ConfigLoader config = ConfigLoader.load(null,
                Map.of("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "svc:" + password));
        assertEquals("svc:" + password, config.registrySettings().get("basic.auth.user.info"));
    }

    @Test
    void problemsNameTheSettingAndFileButNeverTheSecret() throws Exception {
        final ConfigLoader.ConfigException missing = assertThrows(ConfigLoader.ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("KAFKA_SASL_JAAS_CONFIG_FILE", dir.resolve("nope").toString())));
        assertEquals("Cannot read kafka.sasl.jaas.config.file " + dir.resolve("nope") + ": NoSuchFileException",
                missing.getMessage());
        final ConfigLoader.ConfigException both = assertThrows(ConfigLoader.ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("KAFKA_SASL_JAAS_CONFIG", "x password=\"" + password + "\";",
                        "KAFKA_SASL_JAAS_CONFIG_FILE", file("jaas", "y").toString())));
        assertEquals("Both kafka.sasl.jaas.config and kafka.sasl.jaas.config.file are set: keep one", both.getMessage());
        assertFalse(both.getMessage().contains(password));
        final ConfigLoader.ConfigException empty = assertThrows(ConfigLoader.ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE",
                        file("empty", "\n").toString())));
        assertTrue(empty.getMessage().endsWith(" is empty"), empty.getMessage());
    }
}
