package io.incidentcorrelator.metrics;

import io.incidentcorrelator.avro.IncidentCategory;
import io.incidentcorrelator.avro.IncidentStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The correlator's own counters, process-wide so that they survive task migration and thread
 * replacement (Prometheus counters must only go up while the process lives).
 *
 * <p>Kafka Streams instantiates processors and the deserialization handler itself, so this
 * object reaches them through the Streams properties under {@link #CONFIG_KEY} (processors read
 * it from {@code context.appConfigs()}); without it they count into a private registry nobody
 * exports, which is what the topology test driver and replays get.
 *
 * <p>With exactly-once, a record whose transaction is aborted (crash, rebalance) is processed and
 * counted again: these counters count processing, not committed output.
 */
public final class CorrelatorMetrics {

    /** Streams property under which {@code correlator run} passes its instance to the topology. */
    public static final String CONFIG_KEY = "incident-correlator.metrics";

    public static final String DEAD_LETTER = "incident.correlator.dead.letter.records";
    public static final String SKIPPED = "incident.correlator.skipped.records";
    public static final String LATE = "incident.correlator.late.records";
    public static final String INCIDENTS = "incident.correlator.incidents.emitted";
    public static final String NOT_IN_INVENTORY = "incident.correlator.not.in.inventory.records";
    public static final String INVENTORY_HOLD = "incident.correlator.inventory.hold.records";
    public static final String BEYOND_HORIZON = "incident.correlator.restarts.beyond.horizon";
    public static final String REGISTRY_UNAVAILABLE = "incident.correlator.schema.registry.unavailable";

    /** Why a record went to the dead-letter topic: the {@code reason} tag. */
    public enum Reason {
        /** The bytes are not a record of the topic's type (KIP-1034 headers). */
        DESERIALIZATION,
        /** Decoded, but with values no real source produces ({@code x-incident-correlator-error} header). */
        VALIDATION,
        /** Further behind event time than the grace allows. */
        LATE,
        /** No inventory record placed it within the hold ({@code inventory:<reason>:<subject>} key). */
        INVENTORY;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    /**
     * The per-event counters, by name and tags: registering looks the meter up by a new id each
     * time, which a catch-up paid for every sample of a host the inventory does not know.
     */
    private final Map<List<String>, Counter> perEvent = new ConcurrentHashMap<>();

    public CorrelatorMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The instance passed in the Streams properties, or one that counts into a private registry. */
    public static CorrelatorMetrics from(Map<String, ?> configs) {
        final Object value = configs == null ? null : configs.get(CONFIG_KEY);
        return value instanceof CorrelatorMetrics m ? m : new CorrelatorMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void deadLettered(Reason reason, String topic) {
        Counter.builder(DEAD_LETTER)
                .description("Records sent to the dead-letter topic, by reason and source topic")
                .tag("reason", reason.tag())
                .tag("topic", String.valueOf(topic))
                .register(registry)
                .increment();
        if (reason == Reason.LATE) {
            Counter.builder(LATE)
                    .description("Records further behind event time than the grace, by source topic")
                    .tag("topic", String.valueOf(topic))
                    .register(registry)
                    .increment();
        }
    }

    /**
     * A bad record that could not go to the dead-letter topic and was skipped: Kafka Streams 4.3
     * cannot write dead letters from the global thread (inventory, storage locations).
     */
    public void skipped(Reason reason, String topic) {
        Counter.builder(SKIPPED)
                .description("Bad records skipped without a dead letter (global tables), by reason and topic")
                .tag("reason", reason.tag())
                .tag("topic", String.valueOf(topic))
                .register(registry)
                .increment();
    }

    /**
     * An event that no inventory record placed while it was held: a sample or backup of an unknown
     * host (nothing it could explain, not routed), a restart on an unknown cluster or node
     * (correlated without host evidence). Either way the inventory is incomplete.
     *
     * @param reason {@code unknown-host}, {@code unknown-cluster} or {@code unknown-node}
     */
    public void notInInventory(String reason, String topic) {
        increment(NOT_IN_INVENTORY, "Events naming a host, cluster or node the inventory does not know, by reason "
                + "and topic", "reason", reason, topic);
    }

    /**
     * What the hold for events the inventory does not place yet did with one.
     *
     * @param outcome {@code held}, {@code released} (placed by an inventory record that came later),
     *                {@code expired} (held the whole catch-up horizon), {@code overflow} (the hold was
     *                full), {@code not-held} (its gap was given up on already)
     */
    public void inventoryHold(String outcome, String topic) {
        increment(INVENTORY_HOLD, "Events held until an inventory record places them, by outcome and topic",
                "outcome", outcome, topic);
    }

    /**
     * A restart that arrived further behind the correlation's event time than the catch-up horizon:
     * still classified, against the evidence still stored for its time (what was older is gone).
     */
    public void restartBeyondHorizon() {
        Counter.builder(BEYOND_HORIZON).description("Restarts that arrived more than the catch-up horizon (grace) "
                + "behind event time, classified without the evidence that had expired").register(registry).increment();
    }

    private void increment(String name, String description, String tag, String value, String topic) {
        perEvent.computeIfAbsent(List.of(name, tag, value, String.valueOf(topic)), k -> Counter.builder(name)
                .description(description).tag(tag, value).tag("topic", k.get(3)).register(registry)).increment();
    }

    public void incidentEmitted(IncidentCategory category, IncidentStatus status) {
        Counter.builder(INCIDENTS)
                .description("Incident revisions emitted, by category and status (OPEN counts new incidents)")
                .tag("category", String.valueOf(category))
                .tag("status", String.valueOf(status))
                .register(registry)
                .increment();
    }

    public void registryUnavailable(String topic) {
        Counter.builder(REGISTRY_UNAVAILABLE)
                .description("Records that could not be read because the schema registry did not answer; "
                        + "they are retried, never skipped")
                .tag("topic", String.valueOf(topic))
                .register(registry)
                .increment();
    }

    /** Sum of the counters of that name matching {@code tags} (key, value, ...); 0 when none was incremented. */
    public double count(String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }
}
