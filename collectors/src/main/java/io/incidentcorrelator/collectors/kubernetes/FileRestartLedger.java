package io.incidentcorrelator.collectors.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A ledger kept in one JSON file, rewritten as a whole on {@link #flush()}: written to a
 * temporary file beside it, forced to disk, then renamed over the old one, so a crash leaves
 * either the old or the new file and never half of one.
 *
 * <pre>{"format": 1, "containers": {"prod/kube-system/etcd-cp-01/etcd": {"podUid": "…", "restartCount": 3}}}</pre>
 *
 * <p>An unreadable file is moved aside ({@code .corrupt}) with a warning and the ledger starts
 * empty: the collector then baselines, which can miss restarts but never repeats one.
 */
public final class FileRestartLedger implements RestartLedger {

    private static final Logger LOG = LoggerFactory.getLogger(FileRestartLedger.class);
    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path path;
    private final Map<String, Entry> entries = new TreeMap<>();
    private boolean dirty;

    private FileRestartLedger(Path path) {
        this.path = path.toAbsolutePath();
    }

    /** Loads the ledger at {@code path}; a missing file is an empty ledger. */
    public static FileRestartLedger open(Path path) throws IOException {
        final FileRestartLedger ledger = new FileRestartLedger(Objects.requireNonNull(path, "path"));
        ledger.load();
        return ledger;
    }

    public Path path() {
        return path;
    }

    @Override
    public synchronized Optional<Entry> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    @Override
    public synchronized void put(String key, Entry entry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(entry, "entry");
        if (!entry.equals(entries.put(key, entry))) {
            dirty = true;
        }
    }

    @Override
    public synchronized void remove(String key) {
        if (entries.remove(key) != null) {
            dirty = true;
        }
    }

    @Override
    public synchronized Set<String> keys() {
        return Set.copyOf(entries.keySet());
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!dirty) {
            return;
        }
        final ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        final ObjectNode containers = root.putObject("containers");
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            final ObjectNode entry = containers.putObject(e.getKey())
                    .put("podUid", e.getValue().podUid())
                    .put("restartCount", e.getValue().restartCount());
            if (e.getValue().imagePullReported()) {
                entry.put("imagePullReported", true);
            }
        }
        writeAtomically(JSON.writeValueAsBytes(root));
        dirty = false;
    }

    private void load() throws IOException {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            LOG.info("restart ledger {} does not exist yet; starting empty", path);
            return;
        }
        try {
            final JsonNode root = JSON.readTree(bytes);
            if (root == null || !root.isObject() || root.path("format").asInt(-1) != FORMAT
                    || !root.path("containers").isObject()) {
                throw new IOException("not a restart ledger of format " + FORMAT);
            }
            for (Map.Entry<String, JsonNode> e : root.get("containers").properties()) {
                final JsonNode uid = e.getValue().get("podUid");
                final JsonNode count = e.getValue().get("restartCount");
                if (uid == null || !uid.isTextual() || count == null || !count.canConvertToInt() || count.asInt() < 0) {
                    throw new IOException("bad entry for " + e.getKey());
                }
                entries.put(e.getKey(), new Entry(uid.asText(), count.asInt(),
                        e.getValue().path("imagePullReported").asBoolean(false)));
            }
            LOG.info("restart ledger {}: {} container(s) remembered", path, entries.size());
        } catch (IOException e) {
            entries.clear();
            final Path aside = path.resolveSibling(path.getFileName() + ".corrupt");
            Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
            LOG.warn("restart ledger {} is unreadable ({}); moved it to {} and starting empty: pods are baselined"
                    + " again, restarts during the downtime are not emitted", path, e.getMessage(), aside);
        }
    }

    private void writeAtomically(byte[] content) throws IOException {
        final Path dir = path.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        final Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            final ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Same directory, so this only happens on exotic file systems; better than not saving.
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
