package io.incidentcorrelator.serde.internal;

import org.apache.avro.Schema;

/** Cache key: a schema under a subject. Generated records share one Schema instance, so equals is usually identity. */
public record SubjectSchema(String subject, Schema schema) {
}
