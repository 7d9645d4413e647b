package io.incidentcorrelator.replay;

import io.incidentcorrelator.avro.Incident;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;
import java.util.Objects;

/**
 * Writes incidents as JSON Lines in the contract's field names (times ISO-8601 UTC, enums by
 * name), one incident a line, {@code \n} after each on every platform so that two replays can
 * be compared byte for byte. This is the input of {@code check-incidents.py}.
 */
public final class IncidentJsonWriter implements Flushable, Closeable {

    private final Writer out;

    /** Writes to {@code out}, which {@link #close()} closes. */
    public IncidentJsonWriter(Writer out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    public void write(Incident incident) throws IOException {
        out.write(toLine(incident));
        out.write('\n');
    }

    public void writeAll(Iterable<? extends Incident> incidents) throws IOException {
        for (Incident incident : incidents) {
            write(incident);
        }
    }

    /** One incident as a JSON line, without the line terminator. */
    public static String toLine(Incident incident) {
        return ContractJson.toJsonLine(incident);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
