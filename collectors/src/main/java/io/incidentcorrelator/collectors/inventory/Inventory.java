package io.incidentcorrelator.collectors.inventory;

import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.StorageLocation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where Kubernetes nodes run ({@link NodePlacement}, keyed {@code cluster/node}) and which
 * Proxmox node holds each backup storage ({@link StorageLocation}, keyed by storage id).
 * Immutable; sorted by key so that output is stable.
 */
public record Inventory(List<NodePlacement> placements, List<StorageLocation> storageLocations) {

    public Inventory {
        placements = placements.stream()
                .sorted(Comparator.comparing(Inventory::key)).toList();
        storageLocations = storageLocations.stream()
                .sorted(Comparator.comparing(StorageLocation::getStorage)).toList();
    }

    public static Inventory empty() {
        return new Inventory(List.of(), List.of());
    }

    /** The contract's key for a placement: {@code cluster/node}. */
    public static String key(NodePlacement p) {
        return p.getCluster() + "/" + p.getNode();
    }

    /** The Proxmox node holding {@code storage}, or null when the inventory does not say. */
    public String storageHost(String storage) {
        for (StorageLocation s : storageLocations) {
            if (s.getStorage().equals(storage)) {
                return s.getHost();
            }
        }
        return null;
    }

    /** {@link #storageHost} as a function, e.g. for the vzdump hook endpoint's {@code targetHost}. */
    public Function<String, String> storageHosts() {
        return this::storageHost;
    }

    /**
     * Adds discovered placements. Where this inventory (the file) already places a node, it wins:
     * its host stays; a missing vmid or role is taken from discovery only when discovery found the
     * node on the same host (a vmid from another host would be wrong). Each disagreement is told
     * to {@code notes}.
     */
    public Inventory withDiscovered(List<NodePlacement> discovered, Consumer<String> notes) {
        Objects.requireNonNull(notes, "notes");
        final Map<String, NodePlacement> merged = new LinkedHashMap<>();
        placements.forEach(p -> merged.put(key(p), p));
        for (NodePlacement d : discovered) {
            final NodePlacement file = merged.get(key(d));
            if (file == null) {
                merged.put(key(d), d);
            } else if (!file.getHost().equals(d.getHost())) {
                notes.accept("node " + key(d) + ": the inventory file says host " + file.getHost()
                        + ", discovery found it on " + d.getHost() + " (vmid " + d.getVmid() + "); keeping the file's");
            } else {
                merged.put(key(d), NodePlacement.newBuilder(file)
                        .setVmid(file.getVmid() != null ? file.getVmid() : d.getVmid())
                        .setRole(file.getRole() != null ? file.getRole() : d.getRole())
                        .build());
                if (file.getVmid() != null && d.getVmid() != null && !file.getVmid().equals(d.getVmid())) {
                    notes.accept("node " + key(d) + ": the inventory file says vmid " + file.getVmid()
                            + ", discovery found " + d.getVmid() + "; keeping the file's");
                }
            }
        }
        return new Inventory(new ArrayList<>(merged.values()), storageLocations);
    }
}
