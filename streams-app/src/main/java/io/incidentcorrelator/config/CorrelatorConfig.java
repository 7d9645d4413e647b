package io.incidentcorrelator.config;

import io.incidentcorrelator.classify.ClassifierConfig;
import io.incidentcorrelator.topics.TopicNames;

import java.time.Duration;
import java.util.Objects;

/**
 * What the topology needs to know, injected into {@code TopologyFactory}: topic names,
 * classifier thresholds, the grouping gap, the out-of-order grace, and the state store kind.
 *
 * @param pendingFlushAfter live mode: classify a restart whose event time has not been passed
 *                          yet once it waited this long in wall-clock time; zero disables it
 *                          (replay, where only event time may decide)
 * @param timelineRetention how long the web view's timeline and incident list are kept, behind event time
 * @param idleAfter         how long an input partition may deliver nothing before it stops holding
 *                          event time back (docs/architecture.md, "Time")
 * @param holdCapacity      how many events a routing task holds at most until an inventory record
 *                          places them
 * @param catchUpMaxDrift   how far in event time a routing task may read ahead of the slowest while
 *                          history is read ({@code CatchUpAlignment}); zero: no limit
 */
public record CorrelatorConfig(
        TopicNames topics,
        ClassifierConfig classifier,
        Duration groupingGap,
        Duration grace,
        StoreType storeType,
        Duration pendingFlushAfter,
        Duration timelineRetention,
        Duration idleAfter,
        int holdCapacity,
        Duration catchUpMaxDrift) {

    public CorrelatorConfig {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(classifier, "classifier");
        Objects.requireNonNull(groupingGap, "groupingGap");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(storeType, "storeType");
        Objects.requireNonNull(pendingFlushAfter, "pendingFlushAfter");
        Objects.requireNonNull(timelineRetention, "timelineRetention");
        Objects.requireNonNull(idleAfter, "idleAfter");
        Objects.requireNonNull(catchUpMaxDrift, "catchUpMaxDrift");
        if (groupingGap.isNegative() || groupingGap.isZero()) {
            throw new IllegalArgumentException("grouping gap must be positive, was " + groupingGap);
        }
        if (holdCapacity < 1) {
            throw new IllegalArgumentException("hold capacity must be positive, was " + holdCapacity);
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative, was " + grace);
        }
    }

    /** Every setting's default, as {@link CorrelatorSettings} defines it. */
    public static CorrelatorConfig defaults() {
        return CorrelatorSettings.correlatorConfig(CorrelatorSettings.DEFAULTS);
    }

    public CorrelatorConfig withTopics(TopicNames topics) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, pendingFlushAfter,
                timelineRetention, idleAfter, holdCapacity, catchUpMaxDrift);
    }

    public CorrelatorConfig withPendingFlushAfter(Duration d) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, d, timelineRetention, idleAfter,
                holdCapacity, catchUpMaxDrift);
    }

    public CorrelatorConfig withStoreType(StoreType type) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, type, pendingFlushAfter, timelineRetention,
                idleAfter, holdCapacity, catchUpMaxDrift);
    }

    public CorrelatorConfig withGrace(Duration d) {
        return new CorrelatorConfig(topics, classifier, groupingGap, d, storeType, pendingFlushAfter, timelineRetention,
                idleAfter, holdCapacity, catchUpMaxDrift);
    }

    public CorrelatorConfig withTimelineRetention(Duration d) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, pendingFlushAfter, d, idleAfter,
                holdCapacity, catchUpMaxDrift);
    }

    public CorrelatorConfig withHoldCapacity(int events) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, pendingFlushAfter,
                timelineRetention, idleAfter, events, catchUpMaxDrift);
    }

    public CorrelatorConfig withCatchUpMaxDrift(Duration d) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, pendingFlushAfter,
                timelineRetention, idleAfter, holdCapacity, d);
    }

    public CorrelatorConfig withIdleAfter(Duration d) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, pendingFlushAfter,
                timelineRetention, d, holdCapacity, catchUpMaxDrift);
    }

    /**
     * How long evidence must be kept behind the newest evidence stored: a late record within the
     * grace may re-open a restart's window, and evidence passed on provisionally with a restart may
     * lie up to the grace ahead of event time (EventAligner), so twice the grace.
     */
    public Duration sampleRetention() {
        return classifier.evidenceLookback().plus(grace.multipliedBy(2)).plus(Duration.ofMinutes(5));
    }

    public Duration backupRetention() {
        return classifier.maxBackupDuration().plus(classifier.backupCoolDown()).plus(grace.multipliedBy(2))
                .plus(Duration.ofMinutes(5));
    }

    /** A resolved incident older than this behind event time can no longer change: purge it. */
    public Duration incidentRetention() {
        return groupingGap.plus(grace).plus(classifier.evidenceLookback());
    }
}
