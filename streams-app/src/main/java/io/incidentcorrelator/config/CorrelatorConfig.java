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
 */
public record CorrelatorConfig(
        TopicNames topics,
        ClassifierConfig classifier,
        Duration groupingGap,
        Duration grace,
        StoreType storeType,
        Duration pendingFlushAfter) {

    public CorrelatorConfig {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(classifier, "classifier");
        Objects.requireNonNull(groupingGap, "groupingGap");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(storeType, "storeType");
        Objects.requireNonNull(pendingFlushAfter, "pendingFlushAfter");
        if (groupingGap.isNegative() || groupingGap.isZero()) {
            throw new IllegalArgumentException("grouping gap must be positive, was " + groupingGap);
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative, was " + grace);
        }
    }

    public static CorrelatorConfig defaults() {
        return new CorrelatorConfig(TopicNames.defaults(), ClassifierConfig.defaults(), Duration.ofMinutes(30),
                Duration.ofHours(2), StoreType.IN_MEMORY, Duration.ofSeconds(2));
    }

    public CorrelatorConfig withTopics(TopicNames topics) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, pendingFlushAfter);
    }

    public CorrelatorConfig withPendingFlushAfter(Duration d) {
        return new CorrelatorConfig(topics, classifier, groupingGap, grace, storeType, d);
    }

    /** How long evidence must be kept: a late record within the grace may re-open a restart's window. */
    public Duration sampleRetention() {
        return classifier.evidenceLookback().plus(grace).plus(Duration.ofMinutes(5));
    }

    public Duration backupRetention() {
        return classifier.maxBackupDuration().plus(classifier.backupCoolDown()).plus(grace)
                .plus(Duration.ofMinutes(5));
    }

    /** A resolved incident older than this behind event time can no longer change: purge it. */
    public Duration incidentRetention() {
        return groupingGap.plus(grace).plus(classifier.evidenceLookback());
    }
}
