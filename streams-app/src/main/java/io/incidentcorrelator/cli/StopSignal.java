package io.incidentcorrelator.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGTERM / Ctrl-C for a long-running collector: the JVM's shutdown hook asks the command to
 * stop and then waits (up to {@code grace}) until the command has closed its sources and
 * flushed its sink, because the JVM halts as soon as the hooks return.
 */
final class StopSignal implements AutoCloseable {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private StopSignal(Duration grace) {
        this.hook = new Thread(() -> {
            stop.countDown();
            try {
                finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "collector-shutdown");
    }

    static StopSignal install(Duration grace) {
        final StopSignal signal = new StopSignal(grace);
        Runtime.getRuntime().addShutdownHook(signal.hook);
        return signal;
    }

    /** Waits up to {@code d}; true when asked to stop. */
    boolean await(Duration d) throws InterruptedException {
        return stop.await(Math.max(1, d.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Waits until asked to stop. */
    void await() throws InterruptedException {
        stop.await();
    }

    /** Asks to stop, as SIGTERM does (for a command that decides to end by itself). */
    void request() {
        stop.countDown();
    }

    boolean requested() {
        return stop.getCount() == 0;
    }

    /** The command is done: lets a waiting shutdown hook return, or removes the hook. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running (SIGTERM) and now returns.
        }
    }
}
