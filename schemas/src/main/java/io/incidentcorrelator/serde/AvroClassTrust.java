package io.incidentcorrelator.serde;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that tells Avro which classes it may load by name. Avro 1.12 refuses any class
 * it was not told to trust (ClassSecurityValidator), the application's own generated records
 * included: reading nested records and enums, copying a record ({@code Incident.newBuilder(incident)})
 * or building one whose default holds nested records all fail without it.
 *
 * <p>Rather than asking every deployment to set {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES},
 * one predicate is installed, once, beside Avro's own: it trusts the classes the serdes are handed
 * (with the named types their schemas refer to) and, once asked, the project's generated package.
 * Schemas coming from a registry never add to it, so the protection against hostile schemas stays.
 */
public final class AvroClassTrust {

    private static final String GENERATED_PACKAGE = "io.incidentcorrelator.avro.";
    private static final Set<String> TRUSTED = ConcurrentHashMap.newKeySet();
    private static volatile boolean generatedTrusted;
    private static volatile boolean installed;

    private AvroClassTrust() {
    }

    /** Trusts every class of the project's generated package. Idempotent; cheap after the first call. */
    public static void trustGeneratedClasses() {
        generatedTrusted = true;
        install();
    }

    /** Trusts {@code type} and every record, enum and fixed class its schema refers to. */
    public static void trust(Class<?> type) {
        final Schema schema = SpecificData.getForClass(type).getSchema(type);
        final Set<String> names = new HashSet<>();
        collect(schema, names, new HashSet<>());
        names.add(type.getName());
        TRUSTED.addAll(names);
        install();
    }

    private static void collect(Schema schema, Set<String> names, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD -> {
                if (seen.add(schema.getFullName())) {
                    names.add(SpecificData.getClassName(schema));
                    schema.getFields().forEach(f -> collect(f.schema(), names, seen));
                }
            }
            case ENUM, FIXED -> names.add(SpecificData.getClassName(schema));
            case ARRAY -> collect(schema.getElementType(), names, seen);
            case MAP -> collect(schema.getValueType(), names, seen);
            case UNION -> schema.getTypes().forEach(t -> collect(t, names, seen));
            default -> {
                // primitives need no class
            }
        }
    }

    private static void install() {
        if (installed) {
            return;
        }
        synchronized (AvroClassTrust.class) {
            if (!installed) {
                final ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
                ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                        c -> TRUSTED.contains(c.getName())
                                || (generatedTrusted && c.getName().startsWith(GENERATED_PACKAGE))));
                installed = true;
            }
        }
    }
}
