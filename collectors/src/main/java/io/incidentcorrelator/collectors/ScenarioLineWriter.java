package io.incidentcorrelator.collectors;

import io.incidentcorrelator.contract.ContractJsonEncoder;
import org.apache.avro.specific.SpecificRecord;

import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;

/**
 * Writes what collectors send as scenario-file lines ({@code {"topic":…,"key":…,"value":{…}}},
 * contract JSON), e.g. for {@code --print} or a backfill file that {@code replay} reads.
 * Topic names are written as given: use the contract's default names for a replayable file.
 */
public final class ScenarioLineWriter implements EventWriter, Flushable {

    private final Writer out;

    /** @param out not closed by this sink */
    public ScenarioLineWriter(Writer out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public synchronized void send(String topic, String key, SpecificRecord value) {
        try {
            out.write(ContractJsonEncoder.scenarioLine(topic, key, value));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scenario line", e);
        }
    }

    /** Writes a {@code # comment} line (replay skips them). */
    public synchronized void comment(String text) {
        try {
            for (String line : text.split("\n", -1)) {
                out.write("# " + line + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scenario line", e);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }
}
