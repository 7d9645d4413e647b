package io.incidentcorrelator.collectors.inventory;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.avro.StorageLocation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the inventory YAML:
 *
 * <pre>
 * clusters:
 *   prod:
 *     nodes:
 *       talos-cp-01: {host: ruapehu, vmid: 201, role: control-plane}
 *       talos-worker-01: ruapehu            # just the host
 * storage:
 *   pbs-main: pihanga
 * </pre>
 *
 * Unknown keys are errors (a misspelt {@code vmdi} would otherwise silently lose the vmid).
 * Every problem is reported as {@code FILE: path.to.field: reason}.
 */
public final class InventoryFile {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Set<String> TOP = Set.of("clusters", "storage");
    private static final Set<String> CLUSTER = Set.of("nodes");
    private static final Set<String> NODE = Set.of("host", "vmid", "role");
    private static final Set<String> ROLES = Set.of("control-plane", "worker");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    private final String source;

    private InventoryFile(String source) {
        this.source = source;
    }

    public static Inventory load(Path file) throws IOException, InventoryFormatException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** @param source how messages name the file */
    public static Inventory parse(String source, String yaml) throws InventoryFormatException {
        return new InventoryFile(source).read(yaml);
    }

    private Inventory read(String yaml) throws InventoryFormatException {
        final JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            final JsonLocation at = e.getLocation();
            throw new InventoryFormatException(source + (at == null ? "" : ":" + at.getLineNr()) + ": not valid YAML: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw error("", "the file is empty; expected \"clusters:\" and/or \"storage:\"");
        }
        object(root, "", TOP);
        final List<NodePlacement> placements = new ArrayList<>();
        final JsonNode clusters = root.get("clusters");
        if (clusters != null && !clusters.isNull()) {
            object(clusters, "clusters", null);
            for (Map.Entry<String, JsonNode> c : clusters.properties()) {
                final String cluster = name(c.getKey(), "clusters." + c.getKey(), "cluster name");
                final String path = "clusters." + cluster;
                object(c.getValue(), path, CLUSTER);
                final JsonNode nodes = c.getValue().get("nodes");
                if (nodes == null || nodes.isNull()) {
                    continue;
                }
                object(nodes, path + ".nodes", null);
                for (Map.Entry<String, JsonNode> n : nodes.properties()) {
                    placements.add(placement(cluster, n.getKey(), n.getValue(), path + ".nodes." + n.getKey()));
                }
            }
        }
        final List<StorageLocation> storage = new ArrayList<>();
        final JsonNode storages = root.get("storage");
        if (storages != null && !storages.isNull()) {
            object(storages, "storage", null);
            for (Map.Entry<String, JsonNode> s : storages.properties()) {
                final String path = "storage." + s.getKey();
                storage.add(new StorageLocation(name(s.getKey(), path, "storage id"),
                        name(text(s.getValue(), path, "the Proxmox node holding the storage"), path, "Proxmox node name")));
            }
        }
        return new Inventory(placements, storage);
    }

    private NodePlacement placement(String cluster, String node, JsonNode v, String path)
            throws InventoryFormatException {
        name(node, path, "node name");
        if (v != null && v.isTextual()) {
            return new NodePlacement(cluster, node, name(v.textValue(), path, "Proxmox node name"), null, null);
        }
        object(v, path, NODE);
        final JsonNode host = v.get("host");
        if (host == null || host.isNull()) {
            throw error(path + ".host", "missing; the Proxmox node that runs this VM is required");
        }
        final String hostName = name(text(host, path + ".host", "a Proxmox node name"), path + ".host", "Proxmox node name");
        return new NodePlacement(cluster, node, hostName, vmid(v.get("vmid"), path + ".vmid"), role(v.get("role"), path + ".role"));
    }

    private Integer vmid(JsonNode v, String path) throws InventoryFormatException {
        if (v == null || v.isNull()) {
            return null;
        }
        final String digits = v.isIntegralNumber() ? v.asText() : v.isTextual() ? v.textValue().trim() : "";
        if (!digits.matches("[0-9]{1,9}") || Integer.parseInt(digits) < 1) {
            throw error(path, "expected a guest id (a positive integer like 201), got " + shown(v));
        }
        return Integer.parseInt(digits);
    }

    private String role(JsonNode v, String path) throws InventoryFormatException {
        if (v == null || v.isNull()) {
            return null;
        }
        final String role = text(v, path, "control-plane or worker");
        if (!ROLES.contains(role)) {
            throw error(path, "expected control-plane or worker, got " + shown(v));
        }
        return role;
    }

    private String text(JsonNode v, String path, String expected) throws InventoryFormatException {
        if (v == null || !v.isTextual() || v.textValue().isBlank()) {
            throw error(path, "expected " + expected + ", got " + shown(v));
        }
        return v.textValue().trim();
    }

    private String name(String value, String path, String what) throws InventoryFormatException {
        if (!NAME.matcher(value).matches()) {
            throw error(path, "\"" + value + "\" is not a valid " + what);
        }
        return value;
    }

    /** Checks that {@code v} is a mapping and, when {@code allowed} is given, has only those keys. */
    private void object(JsonNode v, String path, Set<String> allowed) throws InventoryFormatException {
        if (v == null || !v.isObject()) {
            throw error(path, "expected a mapping, got " + shown(v));
        }
        if (allowed != null) {
            for (String key : (Iterable<String>) v::fieldNames) {
                if (!allowed.contains(key)) {
                    throw error(path.isEmpty() ? key : path + "." + key,
                            "unknown key (expected " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }
    }

    private InventoryFormatException error(String path, String reason) {
        return new InventoryFormatException(source + ": " + (path.isEmpty() ? "" : path + ": ") + reason, null);
    }

    private static String shown(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        final String s = v.isTextual() ? "\"" + v.textValue() + "\"" : v.asText();
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
