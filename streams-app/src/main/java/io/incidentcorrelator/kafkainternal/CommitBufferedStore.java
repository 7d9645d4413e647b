package io.incidentcorrelator.kafkainternal;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What a store that keeps the task's writes until the commit has to do with Kafka Streams (see
 * {@link CommitBufferedWindowStore} for why it keeps exactly-once and restore correct): write the
 * buffer out where Kafka flushes its own caches ({@code flushCache()}, before the producer is
 * flushed and the offsets committed), drop it with the store, know which thread writes, and write
 * each change under the record context of the record that made it.
 */
abstract class CommitBufferedStore<S extends StateStore, K, V> extends WrappedStateStore<S, K, V> {

    /** Null outside a Kafka Streams task (a unit test's mock context): no record context to keep. */
    private InternalProcessorContext<?, ?> task;
    private volatile Thread writer;

    CommitBufferedStore(S wrapped) {
        super(wrapped);
    }

    /** Writes what is buffered to the store below. */
    abstract void writeOut();

    /** Forgets what is buffered (the task closes or its caches are cleared without a commit). */
    abstract void dropBuffer();

    @Override
    public void init(StateStoreContext context, StateStore root) {
        dropBuffer();
        task = context instanceof InternalProcessorContext<?, ?> internal ? internal : null;
        super.init(context, root);
    }

    /** Called by the task before it commits. */
    @Override
    public void flushCache() {
        writeOut();
        super.flushCache();
    }

    @Override
    public void clearCache() {
        dropBuffer();
        super.clearCache();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        writeOut();
        super.commit(changelogOffsets);
    }

    @Override
    public void close() {
        dropBuffer();
        super.close();
    }

    /** Before a write: the thread that writes is the one whose reads see the buffer. */
    final void noteWriter() {
        writer = Thread.currentThread();
    }

    final boolean onWriter() {
        return Thread.currentThread() == writer;
    }

    /** Before a read: on the writing thread, so that the read sees what the task wrote. */
    final void writeOutForRead() {
        if (onWriter()) {
            writeOut();
        }
    }

    /**
     * The context of the record being processed now, to keep with the write it makes: its changelog
     * record must carry that record's (event) time, as Kafka's cache does (the broker's time
     * retention measures the changelog against it), not that of whatever ran last before the
     * commit (a wall-clock punctuation stamps "now").
     */
    final ProcessorRecordContext currentRecord() {
        return task == null ? null : task.recordContext();
    }

    /** The current record's context with another timestamp; null outside a task. */
    final ProcessorRecordContext stampedAt(long timestamp) {
        if (task == null) {
            return null;
        }
        final ProcessorRecordContext current = task.recordContext();
        return current == null ? new ProcessorRecordContext(timestamp, -1, -1, null, new RecordHeaders())
                : new ProcessorRecordContext(timestamp, current.offset(), current.partition(), current.topic(),
                current.headers());
    }

    /** Makes each write under the record context kept with it, then restores the current one. */
    final <W> void writeEach(List<W> writes, Function<W, ProcessorRecordContext> contextOf, Consumer<W> write) {
        final ProcessorRecordContext current = currentRecord();
        try {
            for (W w : writes) {
                if (task != null) {
                    task.setRecordContext(contextOf.apply(w));
                }
                write.accept(w);
            }
        } finally {
            if (task != null) {
                task.setRecordContext(current);
            }
        }
    }
}
