package io.incidentcorrelator.cli;

/**
 * Ctrl-C / SIGTERM for a command that blocks in a consumer poll: the hook wakes the consumer
 * and waits until the command has closed it, so offsets are committed and nothing is cut off
 * mid-request. Closing removes the hook, so a command run in-process (tests) leaves none behind.
 */
final class ShutdownWakeup implements AutoCloseable {

    private final Thread hook;
    private final Object done = new Object();
    private boolean finished;

    ShutdownWakeup(String name, Runnable wakeup) {
        this.hook = new Thread(() -> {
            wakeup.run();
            synchronized (done) {
                final long deadline = System.currentTimeMillis() + 10_000;
                while (!finished && System.currentTimeMillis() < deadline) {
                    try {
                        done.wait(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        synchronized (done) {
            finished = true;
            done.notifyAll();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running; it returns now that finished is set.
        }
    }
}
