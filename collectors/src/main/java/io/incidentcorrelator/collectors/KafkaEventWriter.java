package io.incidentcorrelator.collectors;

import io.incidentcorrelator.serde.SchemaRegistryException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends what collectors observe to Kafka: registry-framed Avro values, the contract's keys as
 * given, an idempotent producer with {@code acks=all}.
 *
 * <p><b>Kafka down.</b> {@link #send} never blocks the collector: records go into a queue that
 * one background thread hands to the producer in order. While the broker (or the schema
 * registry) cannot be reached, a record that cannot be handed over stays at the head of the
 * queue and is retried; records the producer accepted are retried by the producer itself
 * ({@code delivery.timeout.ms} is about 24 days, {@code max.block.ms} a few seconds so that only
 * this thread waits). The backlog (records not yet acknowledged) is logged once when it stops
 * shrinking, every {@code reportEvery} while it stays, and once more when it is delivered.
 * Nothing is dropped silently: a record Kafka or the registry rejects for good, a record pushed
 * out by the backlog cap, and whatever is still waiting at {@link #close} are counted in
 * {@link Totals} and logged.
 */
public final class KafkaEventWriter implements EventWriter, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventWriter.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);

    /**
     * @param stallAfter  the backlog counts as "backed up" once nothing was acknowledged for this long
     * @param reportEvery how often a backed-up backlog is logged again
     * @param maxPending  records kept while Kafka is unreachable; beyond it the oldest are dropped (and counted)
     */
    public record Options(Duration stallAfter, Duration reportEvery, int maxPending) {

        public Options {
            Objects.requireNonNull(stallAfter, "stallAfter");
            Objects.requireNonNull(reportEvery, "reportEvery");
            if (maxPending < 1) {
                throw new IllegalArgumentException("maxPending must be positive");
            }
        }

        /** Backed up after 5 s without progress, reported every 30 s, at most 100,000 records kept. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(5), Duration.ofSeconds(30), 100_000);
        }
    }

    /**
     * What became of everything sent, as of {@link #close}.
     *
     * @param delivered   acknowledged by Kafka
     * @param rejected    refused for good (by Kafka or the registry); logged with the reason
     * @param dropped     pushed out of a full backlog
     * @param undelivered still waiting when the sink was closed
     */
    public record Totals(long delivered, long rejected, long dropped, long undelivered) {

        /** Whether every record sent was delivered. */
        public boolean complete() {
            return rejected == 0 && dropped == 0 && undelivered == 0;
        }

        public long lost() {
            return rejected + dropped + undelivered;
        }
    }

    private record Entry(String topic, String key, SpecificRecord value) {
    }

    private final Producer<String, byte[]> producer;
    private final Map<String, Serializer<SpecificRecord>> serializers;
    private final Options options;
    private final Clock clock;
    private final Thread drainer;

    private final Object lock = new Object();
    // Everything below is guarded by lock.
    private final Deque<Entry> pending = new ArrayDeque<>();
    private long inFlight;
    private long delivered;
    private long rejected;
    private long dropped;
    private long undelivered;
    private String lastProblem;
    private String firstRejection;
    private boolean closing;
    /** The entry the drain thread is handing over; the backlog cap never drops it. */
    private Entry current;
    private Instant deadline = Instant.MAX;
    private Instant lastProgress;
    private boolean backedUp;
    private Instant backedUpSince;
    private Instant lastReport;

    /**
     * @param producerSettings bootstrap servers and any client settings (security, timeouts); the
     *                         delivery guarantees ({@code acks=all}, idempotence) are always set here
     * @param serializers      value serializer per topic this sink may be sent to (from the topic registry)
     */
    public KafkaEventWriter(Map<String, ?> producerSettings, Map<String, Serializer<SpecificRecord>> serializers,
                          Options options) {
        this(new KafkaProducer<>(producerConfig(producerSettings), new StringSerializer(), new ByteArraySerializer()),
                serializers, options, Clock.systemUTC());
    }

    KafkaEventWriter(Producer<String, byte[]> producer, Map<String, Serializer<SpecificRecord>> serializers,
                   Options options, Clock clock) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.serializers = Map.copyOf(serializers);
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lastProgress = clock.instant();
        this.drainer = new Thread(this::drain, "kafka-event-sink");
        this.drainer.setDaemon(true);
        this.drainer.start();
    }

    /**
     * The producer settings this sink runs with: defaults, then {@code settings} (only keys a
     * producer knows, so Streams settings in a shared configuration are ignored), then the
     * guarantees, which cannot be weakened.
     */
    static Map<String, Object> producerConfig(Map<String, ?> settings) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "incident-correlator-collector");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        // Retry for as long as it takes; the collector's backlog report says that it is waiting.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        // Without metadata (broker unreachable) send() blocks this long; only the drain thread waits.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        settings.forEach((key, value) -> {
            if (ProducerConfig.configNames().contains(key)) {
                config.put(key, value);
            }
        });
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    @Override
    public void send(String topic, String key, SpecificRecord value) {
        Objects.requireNonNull(value, "value");
        if (!serializers.containsKey(topic)) {
            throw new IllegalArgumentException("this sink has no serializer for topic " + topic + " (known: "
                    + serializers.keySet() + ")");
        }
        synchronized (lock) {
            if (closing) {
                throw new IllegalStateException("the Kafka sink is closed");
            }
            if (pending.size() >= options.maxPending()) {
                dropOldest();
                if (dropped++ == 0) {
                    LOG.error("Kafka sink: backlog is full ({} records); dropping the oldest to keep the newest "
                            + "(counted and reported)", options.maxPending());
                }
            }
            pending.addLast(new Entry(topic, key, value));
            lock.notifyAll();
        }
    }

    private void dropOldest() {
        final var it = pending.iterator();
        if (it.next() == current && it.hasNext()) {
            it.next();
        }
        it.remove();
    }

    /** Records sent but not yet acknowledged by Kafka (queued here plus in the producer). */
    public long backlog() {
        synchronized (lock) {
            return pending.size() + inFlight;
        }
    }

    /** What became of the records so far ({@code undelivered} is only set by {@link #close}). */
    public Totals totals() {
        synchronized (lock) {
            return new Totals(delivered, rejected, dropped, undelivered);
        }
    }

    /** Closes with a 30 s bound; see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Stops taking records, waits up to {@code timeout} for the backlog to be delivered, closes
     * the producer, and logs what could not be delivered.
     */
    public Totals close(Duration timeout) {
        final Instant end = clock.instant().plus(timeout);
        synchronized (lock) {
            if (closing) {
                return new Totals(delivered, rejected, dropped, undelivered);
            }
            closing = true;
            deadline = end;
            lock.notifyAll();
        }
        joinDrainer(Duration.between(clock.instant(), end).plusSeconds(1));
        // Waits for what the producer holds; past the deadline it aborts the rest (callbacks count them).
        producer.close(positive(Duration.between(clock.instant(), end)));
        joinDrainer(Duration.ofSeconds(5)); // a send() blocked on metadata returns once the producer is closed
        final Totals totals;
        synchronized (lock) {
            undelivered += pending.size() + inFlight;
            pending.clear();
            inFlight = 0;
            totals = new Totals(delivered, rejected, dropped, undelivered);
        }
        if (totals.complete()) {
            LOG.debug("Kafka sink closed: {} record(s) delivered", totals.delivered());
        } else {
            LOG.error("Kafka sink closed with {} record(s) NOT delivered: {} still waiting for Kafka at shutdown, "
                            + "{} rejected{}, {} dropped over the backlog cap ({} delivered)", totals.lost(),
                    totals.undelivered(), totals.rejected(), firstRejection == null ? "" : " (first: " + firstRejection + ")",
                    totals.dropped(), totals.delivered());
        }
        return totals;
    }

    private void joinDrainer(Duration d) {
        try {
            drainer.join(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the drain thread

    private void drain() {
        Duration retryDelay = Duration.ofMillis(200);
        while (true) {
            final Entry next;
            synchronized (lock) {
                report();
                current = null;
                if (closing && (pending.isEmpty() || !clock.instant().isBefore(deadline))) {
                    return;
                }
                if (pending.isEmpty()) {
                    waitQuietly(Duration.ofSeconds(1));
                    continue;
                }
                next = pending.peekFirst();
                current = next;
            }
            if (handOver(next)) {
                retryDelay = Duration.ofMillis(200);
                continue;
            }
            synchronized (lock) {
                // Closing does not cut the wait short: the deadline is checked on the next round.
                waitQuietly(retryDelay);
            }
            retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY
                    : retryDelay.multipliedBy(2);
        }
    }

    /** @return true when the entry left the queue (handed over, or rejected for good) */
    private boolean handOver(Entry entry) {
        final byte[] bytes;
        try {
            bytes = serializers.get(entry.topic()).serialize(entry.topic(), entry.value());
        } catch (RuntimeException e) {
            if (registryMayRecover(e)) {
                problem("schema registry: " + describe(e));
                return false;
            }
            reject(entry, "cannot serialize for " + entry.topic() + ": " + describe(e));
            return true;
        }
        final AtomicReference<Exception> refusedAtOnce = new AtomicReference<>();
        try {
            producer.send(new ProducerRecord<>(entry.topic(), entry.key(), bytes), (metadata, error) -> {
                // Errors found before the record was queued (no metadata, buffer full) are reported
                // to the callback on this thread, inside send(); the record is then still ours.
                if (error != null && Thread.currentThread() == drainer) {
                    refusedAtOnce.set(error);
                } else {
                    acknowledged(entry, error);
                }
            });
        } catch (RuntimeException e) {
            refusedAtOnce.set(e); // e.g. the producer was closed under it at shutdown
        }
        final Exception refused = refusedAtOnce.get();
        final boolean closingNow;
        synchronized (lock) {
            if (refused == null) {
                pending.remove(entry);
                inFlight++;
                return true;
            }
            closingNow = closing;
        }
        // At shutdown it stays queued and is counted as undelivered, not as rejected.
        if (refused instanceof RetriableException || closingNow) {
            problem(describe(refused));
            return false;
        }
        reject(entry, describe(refused));
        return true;
    }

    private void acknowledged(Entry entry, Exception error) {
        synchronized (lock) {
            inFlight--;
            if (error == null) {
                delivered++;
                lastProgress = clock.instant();
                return;
            }
            if (closing) {
                undelivered++; // aborted by a close that ran out of time
                return;
            }
        }
        rejectCounted(entry, describe(error));
    }

    private void reject(Entry entry, String reason) {
        synchronized (lock) {
            pending.remove(entry);
        }
        rejectCounted(entry, reason);
    }

    private void rejectCounted(Entry entry, String reason) {
        final long count;
        synchronized (lock) {
            count = ++rejected;
            if (firstRejection == null) {
                firstRejection = reason;
            }
        }
        LOG.error("Kafka sink: record for {} key {} rejected and NOT delivered ({} so far): {}", entry.topic(),
                entry.key(), count, reason);
    }

    private void problem(String reason) {
        synchronized (lock) {
            lastProblem = reason;
        }
    }

    /** Backlog state changes and periodic reminders; called with the lock held. */
    private void report() {
        final Instant now = clock.instant();
        final long backlog = pending.size() + inFlight;
        if (backlog == 0) {
            if (backedUp) {
                LOG.info("Kafka sink: caught up, the backlog was delivered after {} s ({} delivered in all)",
                        Duration.between(backedUpSince, now).toSeconds(), delivered);
            }
            backedUp = false;
            lastProgress = now;
            lastProblem = null;
            return;
        }
        if (!backedUp && Duration.between(lastProgress, now).compareTo(options.stallAfter()) >= 0) {
            backedUp = true;
            backedUpSince = now;
            lastReport = now;
            LOG.warn("Kafka sink: {} record(s) not yet acknowledged by Kafka ({}); collecting goes on, they are kept "
                    + "and retried", backlog, lastProblem == null ? "no answer from the broker" : lastProblem);
        } else if (backedUp && Duration.between(lastReport, now).compareTo(options.reportEvery()) >= 0) {
            lastReport = now;
            LOG.warn("Kafka sink: still {} record(s) waiting for Kafka after {} s ({}){}", backlog,
                    Duration.between(backedUpSince, now).toSeconds(),
                    lastProblem == null ? "no answer from the broker" : lastProblem,
                    dropped == 0 ? "" : "; " + dropped + " dropped over the backlog cap");
        }
    }

    private void waitQuietly(Duration d) {
        try {
            lock.wait(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    /** The registry did not answer, or answered with an error that may pass (5xx, 429, 401/403 until fixed). */
    static boolean registryMayRecover(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException r) {
                final int s = r.httpStatus();
                return s == SchemaRegistryException.NONE || s >= 500 || s == 401 || s == 403 || s == 408 || s == 429;
            }
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        final String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
