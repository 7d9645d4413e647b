package io.incidentcorrelator.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * A file a command writes ({@code --out}): into a temporary file beside it, moved into place at
 * the end, so that a failed run leaves no half-written output. The temporary file is created
 * like any new file (the user's umask), not with {@code Files.createTempFile}'s 0600, which the
 * move would keep.
 */
final class OutputFile {

    /** Writes the content of a file. */
    @FunctionalInterface
    interface Content<T> {
        T writeTo(Writer writer) throws IOException, InterruptedException;
    }

    private OutputFile() {
    }

    /** One line naming the problem when {@code out} cannot be an output file (a directory); null when fine. */
    static String problem(Path out, String option) {
        return Files.isDirectory(out) ? option + " " + out + " is a directory; give a file name, e.g. "
                + out.resolve("incidents.jsonl") : null;
    }

    /** Writes {@code out} with {@code content}; returns what {@code content} returned. */
    static <T> T write(Path out, Content<T> content) throws IOException, InterruptedException {
        final Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path tmp = Files.createFile(dir.resolve("." + out.getFileName() + "-" + UUID.randomUUID() + ".tmp"));
        final T result;
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            result = content.writeTo(writer);
        } catch (IOException | InterruptedException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return result;
    }
}
