package io.incidentcorrelator.collectors.inventory;

import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.StorageLocation;
import io.incidentcorrelator.collectors.testing.RecordingWriter;
import io.incidentcorrelator.topics.TopicNames;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InventoryFileTest {

    private static final String GOOD = """
            clusters:
              prod:
                nodes:
                  talos-cp-01: {host: ruapehu, vmid: 201, role: control-plane}
                  talos-worker-01:
                    host: ruapehu
                    vmid: "211"
                    role: worker
              monit:
                nodes:
                  talos-monitor: pihanga
              bare:
                nodes:
            storage:
              pbs-main: pihanga
              local: ruapehu
            """;

    @Test
    void readsPlacementsAndStorageLocations() throws Exception {
        final Inventory inv = InventoryFile.parse("inventory.yaml", GOOD);
        assertEquals(List.of(
                new NodePlacement("monit", "talos-monitor", "pihanga", null, null),
                new NodePlacement("prod", "talos-cp-01", "ruapehu", 201, "control-plane"),
                new NodePlacement("prod", "talos-worker-01", "ruapehu", 211, "worker")), inv.placements());
        assertEquals(List.of(new StorageLocation("local", "ruapehu"), new StorageLocation("pbs-main", "pihanga")),
                inv.storageLocations());
        assertEquals("pihanga", inv.storageHosts().apply("pbs-main"));
        assertNull(inv.storageHost("nfs-backup"));

        final RecordingWriter sink = new RecordingWriter();
        assertEquals(5, new InventoryPublisher(inv, TopicNames.defaults()).publish(sink));
        assertEquals(List.of("storage-locations local", "storage-locations pbs-main", "inventory monit/talos-monitor",
                "inventory prod/talos-cp-01", "inventory prod/talos-worker-01"),
                sink.sent().stream().map(s -> s.topic() + " " + s.key()).toList());
    }

    @Test
    void problemsNameTheFileAndTheField() {
        assertError("clusters:\n  prod:\n    nodes:\n      talos-cp-01: {host: ruapehu, vmdi: 201}\n",
                "inventory.yaml: clusters.prod.nodes.talos-cp-01.vmdi: unknown key (expected host, role, vmid)");
        assertError("clusters:\n  prod:\n    nodes:\n      talos-cp-01: {vmid: 201}\n",
                "inventory.yaml: clusters.prod.nodes.talos-cp-01.host: missing; the Proxmox node that runs this VM is required");
        assertError("clusters:\n  prod:\n    nodes:\n      talos-cp-01: {host: ruapehu, vmid: abc}\n",
                "inventory.yaml: clusters.prod.nodes.talos-cp-01.vmid: expected a guest id (a positive integer like 201), got \"abc\"");
        assertError("clusters:\n  prod:\n    nodes:\n      talos-cp-01: {host: ruapehu, role: master}\n",
                "inventory.yaml: clusters.prod.nodes.talos-cp-01.role: expected control-plane or worker, got \"master\"");
        assertError("clusters:\n  prod:\n    nodes:\n      talos-cp-01: {host: [a, b]}\n",
                "inventory.yaml: clusters.prod.nodes.talos-cp-01.host: expected a Proxmox node name, got a list");
        assertError("clusters:\n  prod:\n    node:\n      talos-cp-01: ruapehu\n",
                "inventory.yaml: clusters.prod.node: unknown key (expected nodes)");
        assertError("storage:\n  pbs-main: {host: pihanga}\n",
                "inventory.yaml: storage.pbs-main: expected the Proxmox node holding the storage, got a mapping");
        assertError("storage:\n  pbs main: pihanga\n",
                "inventory.yaml: storage.pbs main: \"pbs main\" is not a valid storage id");
        assertError("hosts: []\n", "inventory.yaml: hosts: unknown key (expected clusters, storage)");
        assertError("", "inventory.yaml: the file is empty; expected \"clusters:\" and/or \"storage:\"");
        assertError("- a\n- b\n", "inventory.yaml: expected a mapping, got a list");
        final InventoryFormatException dup = assertThrows(InventoryFormatException.class,
                () -> InventoryFile.parse("inventory.yaml", "storage:\n  pbs-main: pihanga\n  pbs-main: ruapehu\n"));
        assertEquals(true, dup.getMessage().startsWith("inventory.yaml:3: not valid YAML: Duplicate field 'pbs-main'"),
                dup.getMessage());
        final InventoryFormatException syntax = assertThrows(InventoryFormatException.class,
                () -> InventoryFile.parse("inventory.yaml", "clusters:\n  prod: {nodes: [\n"));
        assertEquals(true, syntax.getMessage().startsWith("inventory.yaml:"), syntax.getMessage());
    }

    private static void assertError(String yaml, String message) {
        final InventoryFormatException e = assertThrows(InventoryFormatException.class,
                () -> InventoryFile.parse("inventory.yaml", yaml));
        assertEquals(message, e.getMessage());
    }

    @Test
    void theFileWinsOverDiscovery() throws Exception {
        final Inventory file = InventoryFile.parse("inventory.yaml", """
                clusters:
                  prod:
                    nodes:
                      talos-cp-01: {host: ruapehu, role: control-plane}
                      talos-worker-01: {host: ruapehu, vmid: 211}
                """);
        final List<String> notes = new ArrayList<>();
        final Inventory merged = file.withDiscovered(List.of(
                new NodePlacement("prod", "talos-cp-01", "ruapehu", 201, null),
                new NodePlacement("prod", "talos-worker-01", "pihanga", 311, null),
                new NodePlacement("prod", "talos-worker-02", "pihanga", 312, null)), notes::add);
        assertEquals(List.of(
                new NodePlacement("prod", "talos-cp-01", "ruapehu", 201, "control-plane"),
                new NodePlacement("prod", "talos-worker-01", "ruapehu", 211, null),
                new NodePlacement("prod", "talos-worker-02", "pihanga", 312, null)), merged.placements());
        assertEquals(List.of("node prod/talos-worker-01: the inventory file says host ruapehu, discovery found it on "
                + "pihanga (vmid 311); keeping the file's"), notes);
    }
}
