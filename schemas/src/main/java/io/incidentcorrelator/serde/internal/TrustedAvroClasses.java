package io.incidentcorrelator.serde.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12.2 refuses to load any class by name from a schema unless it is trusted (ClassSecurityValidator), which
 * includes the application's own generated records when SpecificDatumReader builds nested records and enums.
 *
 * <p>Rather than asking every deployment to set {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}, the serdes trust exactly
 * the classes the application hands them (the record class and the named types its schema refers to). Schemas coming
 * from a registry never add to this list, so the protection against hostile schemas stays in place.
 */
public final class TrustedAvroClasses {

    private static final Set<String> TRUSTED = ConcurrentHashMap.newKeySet();
    private static volatile boolean installed;

    private TrustedAvroClasses() {
    }

    /** Trusts {@code type} and every record, enum and fixed class its schema refers to. */
    public static void declare(Class<?> type) {
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
        synchronized (TrustedAvroClasses.class) {
            if (!installed) {
                final ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
                ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                        c -> TRUSTED.contains(c.getName())));
                installed = true;
            }
        }
    }
}
