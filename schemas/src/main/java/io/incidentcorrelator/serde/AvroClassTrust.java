package io.incidentcorrelator.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes it was not told to trust, our own generated records
 * included: copying a record ({@code Incident.newBuilder(incident)}) or building one whose
 * default holds nested records fails without it. This trusts exactly the packages of the
 * project's generated classes; schemas from a registry still cannot name anything else.
 */
public final class AvroClassTrust {

    private static final String GENERATED_PACKAGE = "io.incidentcorrelator.avro.";
    private static volatile boolean installed;

    private AvroClassTrust() {
    }

    /** Idempotent; cheap after the first call. */
    public static void trustGeneratedClasses() {
        if (installed) {
            return;
        }
        synchronized (AvroClassTrust.class) {
            if (!installed) {
                final ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
                ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                        c -> c.getName().startsWith(GENERATED_PACKAGE)));
                installed = true;
            }
        }
    }
}
