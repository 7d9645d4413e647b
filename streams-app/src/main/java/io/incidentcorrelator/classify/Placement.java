package io.incidentcorrelator.classify;

/**
 * Where a Kubernetes node runs, from the inventory. A node the inventory does not place
 * (bare metal, or not yet inventoried) has no Proxmox host and so no host evidence.
 */
public record Placement(String cluster, String node, String host, Integer vmid, String role) {

    public boolean controlPlane() {
        return role != null && role.toLowerCase(java.util.Locale.ROOT).contains("control");
    }
}
