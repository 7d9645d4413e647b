package io.incidentcorrelator.serde;

import io.incidentcorrelator.serde.internal.ErrorCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * An in-process schema registry with Confluent's semantics: global ids from 1, versions per subject from 1, the same schema
 * under a subject keeps its id and version, and identical schemas share one id across subjects. New versions are checked
 * against the latest version of the subject with Avro's {@link SchemaCompatibility} (BACKWARD by default).
 *
 * <p>Thread-safe. Use {@link SchemaRegistries#forUrl} with {@code mock://SCOPE} to share one instance per scope in a
 * process, or {@link EmbeddedSchemaRegistryServer} to expose one over HTTP.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {

    /** Compatibility between a new schema and the latest registered version of its subject. */
    public enum Compatibility {
        /** Anything may be registered. */
        NONE,
        /** The new schema can read data written with the latest one (consumers upgrade first). */
        BACKWARD,
        /** The latest schema can read data written with the new one (producers upgrade first). */
        FORWARD,
        /** Both BACKWARD and FORWARD. */
        FULL
    }

    /** One registered version of a subject. */
    public record Version(String subject, int version, int id, Schema schema) {
    }

    /**
     * Where a new registration is recorded before it counts, so that ids survive a restart (see {@link KafkaSchemaStore}).
     * Called under the registry's lock; a failure fails the registration and leaves the registry unchanged.
     */
    public interface Journal {
        void append(Version version);
    }

    private final String url;
    private final Object lock = new Object();
    // Keyed by the schema's full JSON: Avro's Schema.equals ignores some properties, Confluent compares the text.
    private final Map<String, Integer> idsBySchemaText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Version>> versionsBySubject = new TreeMap<>();
    private volatile Compatibility compatibility = Compatibility.BACKWARD;
    private int highestId;
    private Journal journal;

    public InMemorySchemaRegistry() {
        this("in-memory");
    }

    /** @param url how this registry is named in messages, e.g. {@code mock://tests} */
    public InMemorySchemaRegistry(String url) {
        this.url = Objects.requireNonNull(url, "url");
    }

    @Override
    public String url() {
        return url;
    }

    public Compatibility compatibility() {
        return compatibility;
    }

    public void setCompatibility(Compatibility compatibility) {
        this.compatibility = Objects.requireNonNull(compatibility, "compatibility");
    }

    @Override
    public int register(String subject, Schema schema) {
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        final String text = schema.toString();
        synchronized (lock) {
            final List<Version> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
            for (Version v : versions) {
                if (v.schema().toString().equals(text)) {
                    return v.id();
                }
            }
            if (!versions.isEmpty()) {
                final Version latest = versions.get(versions.size() - 1);
                final String problem = incompatibility(schema, latest.schema());
                if (problem != null) {
                    throw error(409, ErrorCodes.INCOMPATIBLE_SCHEMA, "Schema being registered is incompatible with version "
                            + latest.version() + " of subject " + subject + " (" + compatibility + "): " + problem,
                            "registering subject " + subject);
                }
            }
            final Integer known = idsBySchemaText.get(text);
            final Version added = new Version(subject, versions.size() + 1, known != null ? known : highestId + 1, schema);
            if (journal != null) {
                journal.append(added);
            }
            restore(added);
            return added.id();
        }
    }

    /** Records every later registration in {@code journal} before it takes effect; null: none. */
    public void setJournal(Journal journal) {
        synchronized (lock) {
            this.journal = journal;
        }
    }

    /**
     * Adds a version recorded earlier, with its id and version number as they were (a journal being read back).
     * A version already present is left as it is.
     */
    public void restore(Version version) {
        Objects.requireNonNull(version, "version");
        requireSubject(version.subject());
        synchronized (lock) {
            final List<Version> versions = versionsBySubject.computeIfAbsent(version.subject(), s -> new ArrayList<>());
            if (versions.stream().anyMatch(v -> v.version() == version.version())) {
                return;
            }
            idsBySchemaText.putIfAbsent(version.schema().toString(), version.id());
            schemasById.putIfAbsent(version.id(), version.schema());
            highestId = Math.max(highestId, version.id());
            versions.add(version);
            versions.sort(java.util.Comparator.comparingInt(Version::version));
        }
    }

    @Override
    public int lookupId(String subject, Schema schema) {
        return lookup(subject, schema).id();
    }

    /** The version under which {@code schema} is registered in {@code subject}; 404-like exception otherwise. */
    public Version lookup(String subject, Schema schema) {
        requireSubject(subject);
        final String text = schema.toString();
        synchronized (lock) {
            final List<Version> versions = versionsBySubject.get(subject);
            if (versions == null || versions.isEmpty()) {
                throw error(404, ErrorCodes.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found",
                        "looking up the schema id in subject " + subject);
            }
            for (Version v : versions) {
                if (v.schema().toString().equals(text)) {
                    return v;
                }
            }
            throw error(404, ErrorCodes.SCHEMA_NOT_FOUND, "Schema not found",
                    "looking up schema " + schema.getFullName() + " in subject " + subject);
        }
    }

    @Override
    public Schema schemaById(int id) {
        synchronized (lock) {
            final Schema schema = schemasById.get(id);
            if (schema == null) {
                throw error(404, ErrorCodes.SCHEMA_NOT_FOUND, "Schema " + id + " not found", "fetching schema id " + id);
            }
            return schema;
        }
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        requireSubject(subject);
        final Optional<Version> latest = latest(subject);
        return latest.isEmpty() || incompatibility(schema, latest.get().schema()) == null;
    }

    /** Subjects with at least one version, sorted. */
    public List<String> subjects() {
        synchronized (lock) {
            return List.copyOf(versionsBySubject.keySet());
        }
    }

    /** All versions of {@code subject}, oldest first; empty when the subject does not exist. */
    public List<Version> versions(String subject) {
        synchronized (lock) {
            return List.copyOf(versionsBySubject.getOrDefault(subject, List.of()));
        }
    }

    public Optional<Version> latest(String subject) {
        final List<Version> versions = versions(subject);
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }

    /** Forgets every subject and schema (ids start from 1 again). */
    public void clear() {
        synchronized (lock) {
            idsBySchemaText.clear();
            schemasById.clear();
            versionsBySubject.clear();
            highestId = 0;
        }
    }

    @Override
    public String toString() {
        return "InMemorySchemaRegistry[" + url + "]";
    }

    /** Null when {@code candidate} may follow {@code latest} under the current setting, else what is wrong. */
    private String incompatibility(Schema candidate, Schema latest) {
        return switch (compatibility) {
            case NONE -> null;
            case BACKWARD -> problem(candidate, latest, "the new schema cannot read data written with the latest");
            case FORWARD -> problem(latest, candidate, "the latest schema cannot read data written with the new one");
            case FULL -> {
                final String backward = problem(candidate, latest, "the new schema cannot read data written with the latest");
                yield backward != null ? backward
                        : problem(latest, candidate, "the latest schema cannot read data written with the new one");
            }
        };
    }

    private static String problem(Schema reader, Schema writer, String what) {
        final SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return null;
        }
        final StringBuilder details = new StringBuilder(what);
        for (SchemaCompatibility.Incompatibility i : result.getResult().getIncompatibilities()) {
            details.append("; ").append(i.getType()).append(" at ").append(i.getLocation()).append(": ").append(i.getMessage());
        }
        return details.toString();
    }

    private SchemaRegistryException error(int status, int errorCode, String registryMessage, String doing) {
        return new SchemaRegistryException("Schema registry " + url + " answered HTTP " + status + ", error_code "
                + errorCode + ": " + registryMessage + " (" + doing + ")", status, errorCode, registryMessage, null);
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("subject must not be blank");
        }
    }
}
