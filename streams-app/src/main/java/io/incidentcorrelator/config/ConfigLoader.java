package io.incidentcorrelator.config;

import io.incidentcorrelator.classify.ClassifierConfig;
import io.incidentcorrelator.topics.TopicNames;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the configuration from a properties file and the environment. Every setting has a
 * file key ({@code incident-correlator.grouping-gap=30m}) and an environment variable
 * ({@code INCIDENT_CORRELATOR_GROUPING_GAP}); the environment wins. Kafka client and Streams
 * settings come from {@code kafka.*} keys and {@code KAFKA_*} variables
 * ({@code KAFKA_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}); registry settings from
 * {@code schema.registry.*} keys. Secrets belong in the environment or in a file only the
 * service can read, never on a command line.
 */
public final class ConfigLoader {

    public static final String PREFIX = "incident-correlator.";
    /** Collector options ({@code correlator collect}, {@code backfill}): read by the CLI, not checked here. */
    public static final String COLLECT_PREFIX = PREFIX + "collect.";

    /** Every correlator setting with its default, for the reference and for error messages. */
    public static final Map<String, String> DEFAULTS;

    static {
        final ClassifierConfig c = ClassifierConfig.defaults();
        final CorrelatorConfig d = CorrelatorConfig.defaults();
        final TopicNames t = TopicNames.defaults();
        final Map<String, String> m = new LinkedHashMap<>();
        m.put("grouping-gap", "30m");
        m.put("grace", "10m");
        m.put("state.store-type", d.storeType().name().toLowerCase(Locale.ROOT));
        // Live mode: classify a restart that waited this long in wall-clock time; 0s: event time only.
        m.put("pending-flush-after", d.pendingFlushAfter().toSeconds() + "s");
        m.put("backup.cool-down", "30m");
        m.put("backup.max-duration", "12h");
        m.put("evidence.lookback", "10m");
        m.put("etcd.wal-fsync-p99-ms", String.valueOf(c.etcdWalFsyncP99Ms()));
        m.put("etcd.slow-applies", String.valueOf(c.etcdSlowApplies()));
        m.put("etcd.fragmented-in-use-ratio", String.valueOf(c.etcdFragmentedInUseRatio()));
        m.put("host.memory-used-ratio", String.valueOf(c.hostMemoryUsedRatio()));
        m.put("host.balloon-ratio", String.valueOf(c.balloonRatio()));
        m.put("host.memory-psi-some-avg10", String.valueOf(c.memoryPsiSomeAvg10()));
        m.put("host.cpu-usage", String.valueOf(c.hostCpuUsage()));
        m.put("host.io-wait", String.valueOf(c.hostIoWait()));
        m.put("host.sustained-for", "2m");
        m.put("topic-prefix", "");
        m.put("topic.pod-restarts", t.podRestarts());
        m.put("topic.backup-events", t.backupEvents());
        m.put("topic.etcd-latency", t.etcdLatency());
        m.put("topic.proxmox-memory", t.proxmoxMemory());
        m.put("topic.inventory", t.inventory());
        m.put("topic.storage-locations", t.storageLocations());
        m.put("topic.incidents", t.incidents());
        m.put("topic.dead-letter", t.deadLetter());
        m.put("topic.clock", t.clock());
        DEFAULTS = java.util.Collections.unmodifiableMap(m);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final Map<String, String> values;
    private final Map<String, String> kafka;
    private final Map<String, String> registry;
    private final Map<String, String> collect;

    private ConfigLoader(Map<String, String> values, Map<String, String> kafka, Map<String, String> registry,
                         Map<String, String> collect) {
        this.values = values;
        this.kafka = kafka;
        this.registry = registry;
        this.collect = collect;
    }

    /**
     * @param file optional properties file (null: none)
     * @param env  the environment, usually {@code System.getenv()}
     */
    public static ConfigLoader load(Path file, Map<String, String> env) {
        final Properties fileProps = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file)) {
                fileProps.load(r);
            } catch (IOException e) {
                throw new ConfigException("Cannot read configuration file " + file + ": " + e.getMessage());
            }
        }
        final Map<String, String> values = new TreeMap<>();
        final Map<String, String> kafka = new TreeMap<>();
        final Map<String, String> registry = new TreeMap<>();
        final Map<String, String> collect = new TreeMap<>();
        for (String name : fileProps.stringPropertyNames()) {
            final String value = fileProps.getProperty(name).trim();
            if (name.startsWith(COLLECT_PREFIX)) {
                collect.put(name.substring(COLLECT_PREFIX.length()), value);
            } else if (name.startsWith(PREFIX)) {
                final String key = name.substring(PREFIX.length());
                if (!DEFAULTS.containsKey(key)) {
                    throw new ConfigException(file + ": unknown setting " + name + " (known: " + String.join(", ",
                            DEFAULTS.keySet().stream().map(k -> PREFIX + k).toList()) + ")");
                }
                values.put(key, value);
            } else if (name.startsWith("kafka.")) {
                kafka.put(name.substring("kafka.".length()), value);
            } else if (name.startsWith("schema.registry.") || name.equals("basic.auth.user.info")
                    || name.equals("auto.register.schemas") || name.equals("basic.auth.credentials.source")) {
                registry.put(name, value);
            } else {
                throw new ConfigException(file + ": unknown setting " + name
                        + " (settings start with incident-correlator., kafka. or schema.registry.)");
            }
        }
        for (String key : DEFAULTS.keySet()) {
            final String envValue = env.get(envName(key));
            if (envValue != null) {
                values.put(key, envValue.trim());
            }
        }
        env.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > "KAFKA_".length()) {
                kafka.put(name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        copyEnv(env, "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL", "schema.registry.url", registry);
        copyEnv(env, "INCIDENT_CORRELATOR_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "basic.auth.user.info", registry);
        copyEnv(env, "INCIDENT_CORRELATOR_AUTO_REGISTER_SCHEMAS", "auto.register.schemas", registry);
        return new ConfigLoader(values, kafka, registry, collect);
    }

    /** {@code backup.cool-down} → {@code INCIDENT_CORRELATOR_BACKUP_COOL_DOWN}. */
    public static String envName(String key) {
        return "INCIDENT_CORRELATOR_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static void copyEnv(Map<String, String> env, String var, String key, Map<String, String> into) {
        if (env.get(var) != null) {
            into.put(key, env.get(var));
        }
    }

    public CorrelatorConfig correlatorConfig() {
        final ClassifierConfig classifier;
        try {
            classifier = new ClassifierConfig(
                    duration("backup.cool-down"), duration("backup.max-duration"), duration("evidence.lookback"),
                    number("etcd.wal-fsync-p99-ms"), (int) number("etcd.slow-applies"),
                    number("etcd.fragmented-in-use-ratio"), number("host.memory-used-ratio"),
                    number("host.balloon-ratio"), number("host.memory-psi-some-avg10"), number("host.cpu-usage"),
                    number("host.io-wait"), duration("host.sustained-for"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid classifier setting: " + e.getMessage());
        }
        final TopicNames topics = new TopicNames(get("topic.pod-restarts"), get("topic.backup-events"),
                get("topic.etcd-latency"), get("topic.proxmox-memory"), get("topic.inventory"),
                get("topic.storage-locations"), get("topic.incidents"), get("topic.dead-letter"), get("topic.clock"))
                .withPrefix(get("topic-prefix"));
        final StoreType storeType = parse("state.store-type", v -> StoreType.valueOf(v.toUpperCase(Locale.ROOT).replace('-', '_')),
                "in_memory or rocksdb");
        return new CorrelatorConfig(topics, classifier, duration("grouping-gap"), duration("grace"), storeType,
                duration("pending-flush-after"));
    }

    /** Kafka client and Streams settings ({@code kafka.*}, {@code KAFKA_*}). */
    public Map<String, String> kafkaSettings() {
        return Map.copyOf(kafka);
    }

    /** Schema registry settings (Confluent key names). */
    public Map<String, String> registrySettings() {
        return Map.copyOf(registry);
    }

    /** {@code incident-correlator.collect.*} keys of the file, without the prefix (the environment is the CLI's). */
    public Map<String, String> collectorSettings() {
        return Map.copyOf(collect);
    }

    public String get(String key) {
        final String v = values.get(key);
        return v != null ? v : DEFAULTS.get(key);
    }

    private double number(String key) {
        return parse(key, Double::parseDouble, "a number");
    }

    private Duration duration(String key) {
        return parse(key, ConfigLoader::parseDuration, "a duration like 30m, 90s, 12h or PT30M");
    }

    private <T> T parse(String key, Function<String, T> parser, String expected) {
        final String raw = get(key);
        try {
            return parser.apply(raw);
        } catch (RuntimeException e) {
            throw new ConfigException("Setting " + PREFIX + key + " (env " + envName(key) + ") is \"" + raw
                    + "\": expected " + expected);
        }
    }

    public static Duration parseDuration(String text) {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        final Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            final long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
    }

    /** A configuration problem a person can fix; the message names the setting. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }

    /** Lists known keys, e.g. for {@code --help} texts. */
    public static List<String> knownKeys() {
        return DEFAULTS.keySet().stream().map(k -> PREFIX + k).toList();
    }
}
