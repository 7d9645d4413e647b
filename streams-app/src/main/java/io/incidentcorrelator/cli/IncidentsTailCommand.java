package io.incidentcorrelator.cli;

import io.incidentcorrelator.avro.Incident;
import io.incidentcorrelator.avro.PodSummary;
import io.incidentcorrelator.replay.ContractJson;
import io.incidentcorrelator.replay.IncidentJsonReader;
import io.incidentcorrelator.runtime.InventoryWarnings;
import io.incidentcorrelator.sinks.IncidentSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code correlator incidents tail}: the incidents topic, one revision a line. */
@Command(name = "tail",
        mixinStandardHelpOptions = true,
        description = {
                "Prints incident revisions from the incidents topic.",
                "Prints revisions from the incidents topic (read_committed, Avro through the schema registry):",
                "the last --lines of them, or all with --from-beginning; with --follow it then waits for new ones",
                "until stopped. A tombstone (an incident retracted after late evidence re-classified its restarts)",
                "prints as DELETED, or as {\"id\": ..., \"deleted\": true} with --json.",
                "First, one 'inventory incomplete: ...' line per host, cluster or node that events named and no",
                "inventory record placed (from the dead-letter topic; on stderr with --json)."})
final class IncidentsTailCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    IncidentFilterOptions filter;

    @Option(names = {"-f", "--follow"}, description = "Keep reading and print revisions as they are written.")
    boolean follow;

    @Option(names = "--from-beginning", description = "Print every revision in the topic, not only the last --lines.")
    boolean fromBeginning;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "10",
            description = "How many of the revisions already written to print (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = "--json", description = "Contract JSON Lines (the replay output format) instead of text.")
    boolean json;

    @Option(names = "--count", paramLabel = "N",
            description = "Exit after printing N revisions (with --follow: wait for them).")
    Integer count;

    private int printed;

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final ExistingCluster kafka = ExistingCluster.from(cluster);
        try (IncidentSource source = new IncidentSource(kafka.bootstrapServers(), kafka.registry(),
                kafka.incidentsTopic(), null, true, kafka.clientOverrides());
             ShutdownWakeup stop = new ShutdownWakeup("incidents-tail", source::wakeup)) {
            warnInventoryGaps(kafka, json ? spec.commandLine().getErr() : out);
            source.seekToBeginning();
            // The backlog is read whole and its newest revisions printed, in the order they were
            // written across partitions; a compacted topic keeps that backlog small.
            final List<ConsumerRecord<String, Incident>> backlog = new ArrayList<>();
            source.run(source.endOffsets(), record -> {
                if (filter.accepts(record.key(), record.value())) {
                    backlog.add(record);
                }
            });
            backlog.sort(Comparator.<ConsumerRecord<String, Incident>>comparingLong(ConsumerRecord::timestamp)
                    .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
            final int skip = fromBeginning ? 0 : Math.max(0, backlog.size() - lines);
            for (ConsumerRecord<String, Incident> record : backlog.subList(skip, backlog.size())) {
                if (done()) {
                    break;
                }
                print(out, record);
            }
            out.flush();
            if (follow && !done()) {
                source.run(null, record -> {
                    if (!done() && filter.accepts(record.key(), record.value())) {
                        print(out, record);
                        out.flush();
                        if (done()) {
                            source.wakeup();
                        }
                    }
                });
            }
        }
        out.flush();
        return 0;
    }

    /** What the dead-letter topic says the inventory lacks, one line per gap. */
    private static void warnInventoryGaps(ExistingCluster kafka, PrintWriter to) {
        try (InventoryWarnings warnings = new InventoryWarnings(kafka.bootstrapServers(), kafka.topics().deadLetter(),
                kafka.clientOverrides())) {
            warnings.catchUp(Duration.ofSeconds(30));
            warnings.warnings().forEach(w -> to.println(w.text(kafka.topics())));
        }
        to.flush();
    }

    private boolean done() {
        return count != null && printed >= count;
    }

    private void print(PrintWriter out, ConsumerRecord<String, Incident> record) {
        printed++;
        final Incident incident = record.value();
        if (json) {
            out.println(incident == null ? IncidentJsonReader.tombstoneLine(record.key())
                    : ContractJson.toJsonLine(incident));
            return;
        }
        final String time = TIME.format(Instant.ofEpochMilli(record.timestamp()));
        if (incident == null) {
            out.printf("%s  %s  DELETED (retracted: its restarts now belong to other incidents)%n", time, record.key());
            return;
        }
        out.printf("%s  %s  rev %d  %-8s  %s  %s  pods=%s  %s%n", time, incident.getId(), incident.getRevision(),
                incident.getStatus(), incident.getCategory(), incident.getTransient$() ? "transient" : "to-act-on",
                incident.getPods().stream().map(PodSummary::getPod).distinct().collect(Collectors.joining(",")),
                incident.getSummary());
    }
}
