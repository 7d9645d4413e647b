package io.incidentcorrelator.collectors.kubernetes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileRestartLedgerTest {

    private static final String KEY = "prod/kube-system/etcd-cp-01/etcd";

    @Test
    void aMissingFileIsAnEmptyLedgerAndNothingIsWrittenUntilFlush(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("sub/ledger.json");
        final FileRestartLedger ledger = FileRestartLedger.open(file);
        assertTrue(ledger.isEmpty());
        ledger.put(KEY, new RestartLedger.Entry("uid-1", 3));
        assertFalse(Files.exists(file));
        ledger.flush();
        assertTrue(Files.exists(file));
        assertFalse(Files.exists(dir.resolve("sub/ledger.json.tmp")), "the temporary file is renamed into place");
    }

    @Test
    void whatIsFlushedIsWhatTheNextProcessReads(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("ledger.json");
        final FileRestartLedger ledger = FileRestartLedger.open(file);
        ledger.put(KEY, new RestartLedger.Entry("uid-1", 3));
        ledger.put("prod/default/web-0/nginx", new RestartLedger.Entry("uid-2", 0));
        ledger.flush();
        ledger.remove("prod/default/web-0/nginx");
        ledger.put(KEY, new RestartLedger.Entry("uid-1", 4));
        ledger.flush();

        final FileRestartLedger reread = FileRestartLedger.open(file);
        assertEquals(Set.of(KEY), reread.keys());
        assertEquals(new RestartLedger.Entry("uid-1", 4), reread.get(KEY).orElseThrow());
    }

    @Test
    void anUnreadableFileIsMovedAsideAndTheLedgerStartsEmpty(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("ledger.json");
        Files.writeString(file, "{\"format\": 1, \"containers\": {\"" + KEY + "\": {\"podUid\": \"u\", \"restar");
        final FileRestartLedger ledger = FileRestartLedger.open(file);
        assertTrue(ledger.isEmpty());
        assertTrue(Files.exists(dir.resolve("ledger.json.corrupt")));
        assertFalse(Files.exists(file));

        Files.writeString(file, "{\"format\": 99, \"containers\": {}}");
        assertTrue(FileRestartLedger.open(file).isEmpty());
        assertTrue(Files.readString(dir.resolve("ledger.json.corrupt")).contains("99"));
    }
}
