package io.incidentcorrelator.homelab;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.incidentcorrelator.collectors.inventory.InventoryFile;
import io.incidentcorrelator.collectors.inventory.InventoryFormatException;
import io.incidentcorrelator.collectors.proxmox.hook.HookConfig;
import io.incidentcorrelator.collectors.proxmox.hook.HookCredentials;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code homelab.yaml} (format: {@code deploy/homelab.example.yaml}) strictly. Whatever is
 * wrong, an unknown key, a value of the wrong type, a file that does not exist or cannot be read,
 * becomes one {@link ConfigException} line {@code FILE: key.path: what is wrong (expected: form)},
 * thrown before anything is started, so that {@code run} exits 2 having written nothing.
 */
public final class HomelabFile {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
    private static final String DURATION = "a duration like 30s, 5m or 1h";

    private final Path source;
    private final Path base;

    private HomelabFile(Path source) {
        this.source = source;
        final Path parent = source.toAbsolutePath().getParent();
        this.base = parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    /** Whether {@code file} is a homelab file rather than a properties file: it ends in .yaml or .yml. */
    public static boolean isHomelabFile(Path file) {
        final String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    public static Homelab load(Path file) {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(file + ": no such file (expected: the homelab file, e.g. a copy of "
                    + "deploy/homelab.example.yaml)");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException(file + ": cannot read it (permission denied)");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read it (" + (Files.isDirectory(file) ? "a directory"
                    : e.getMessage()) + ")");
        }
        return parse(file, text);
    }

    /** @param file how messages name the file, and the directory relative paths start from */
    public static Homelab parse(Path file, String yaml) {
        return new HomelabFile(file).read(yaml);
    }

    private Homelab read(String yaml) {
        final JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            final JsonLocation at = e.getLocation();
            throw new ConfigException(source + (at == null ? "" : ":" + at.getLineNr()) + ": not valid YAML: "
                    + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(source + ": the file is empty (expected: at least a box:, proxmox:, "
                    + "kubernetes:, etcd:, inventory: or sinks: section)");
        }
        final Section top = new Section("", root, "a mapping of sections");
        top.only("box", "settings-file", "proxmox", "kubernetes", "etcd", "inventory", "sinks");
        final Homelab homelab = new Homelab(source.toAbsolutePath(), box(top.section("box")),
                top.file("settings-file", "a properties file of incident-correlator.*, kafka.* settings"),
                Optional.ofNullable(top.section("proxmox")).map(this::proxmox),
                kubernetes(top.section("kubernetes")), etcd(top.section("etcd")),
                Optional.ofNullable(top.section("inventory")).map(this::inventory),
                Optional.ofNullable(top.section("sinks")).flatMap(s -> {
                    s.only("alertmanager", "webhook");
                    return Optional.ofNullable(s.section("alertmanager")).map(this::alertmanager);
                }),
                Optional.ofNullable(top.section("sinks")).flatMap(s -> Optional.ofNullable(s.section("webhook"))
                        .map(this::webhook)));
        if (homelab.proxmox().isPresent() && homelab.proxmox().get().hook().isPresent()
                && homelab.inventory().isEmpty()) {
            // Without the storage → host map the hook's phases have no target host to contend on.
            throw top.error("proxmox.hook", "the hook endpoint needs the inventory's storage section",
                    "an inventory: section (file: or inline:) naming the host of each backup storage");
        }
        return homelab;
    }

    private Homelab.Box box(Section s) {
        if (s == null) {
            return new Homelab.Box(null, null, null, null, null);
        }
        s.only("data-dir", "broker-listen", "registry-listen", "web-listen", "health-listen");
        return new Homelab.Box(s.path("data-dir", "a directory for the broker's log, the schemas and the state"),
                s.address("broker-listen"), s.address("registry-listen"), s.address("web-listen"),
                s.address("health-listen"));
    }

    private Homelab.Proxmox proxmox(Section s) {
        s.only("url", "token-id", "token-file", "ca-file", "insecure", "nodes", "timeout", "backup-tasks", "memory",
                "hook");
        final URI url = s.url("url", true);
        final boolean insecure = s.bool("insecure", false);
        final Path ca = s.file("ca-file", "a PEM file of the CA that signed the Proxmox certificate, e.g. "
                + "/etc/pve/pve-root-ca.pem");
        if (insecure && ca != null) {
            throw s.error("insecure", "ca-file and insecure: true exclude each other",
                    "verify with ca-file, or not at all");
        }
        final Section backups = s.toggle("backup-tasks");
        final Section memory = s.toggle("memory");
        final Section hook = s.section("hook");
        if (backups == null && memory == null && hook == null) {
            throw s.error("", "names no collector", "at least one of backup-tasks, memory or hook");
        }
        final String tokenId = s.string("token-id", backups != null || memory != null);
        final Path tokenFile = tokenId == null ? null : s.requiredFile("token-file",
                "a file holding the API token's secret (the id is token-id)");
        return new Homelab.Proxmox(url, tokenId, tokenFile, ca, insecure, s.names("nodes"),
                s.duration("timeout", CollectorBuiltIns.PROXMOX_TIMEOUT),
                Optional.ofNullable(backups).map(b -> {
                    b.only("interval", "lookback", "sent-phases-file");
                    return new Homelab.BackupTasks(b.duration("interval", CollectorBuiltIns.PROXMOX_INTERVAL),
                            b.duration("lookback", CollectorBuiltIns.BACKUP_LOOKBACK),
                            b.path("sent-phases-file", "a file this process keeps the phases it sent in"));
                }),
                Optional.ofNullable(memory).map(m -> {
                    m.only("interval");
                    return new Homelab.Memory(m.duration("interval", CollectorBuiltIns.PROXMOX_INTERVAL));
                }),
                Optional.ofNullable(hook).map(this::hook));
    }

    private Homelab.Hook hook(Section s) {
        s.only("listen", "token-file", "tls-cert", "tls-key");
        final String listen = s.address("listen");
        final Path tokens = s.file("token-file", "a file with one line per Proxmox node, \"NODE TOKEN [ADDRESS,...]\"");
        final String where = listen == null ? "127.0.0.1:" + HookConfig.DEFAULT_PORT : listen;
        if (tokens == null && !loopback(where.substring(0, where.lastIndexOf(':')))) {
            throw s.error("token-file", "is required when the hook listens beyond loopback (" + where + ")",
                    "a file with one line per Proxmox node, \"NODE TOKEN [ADDRESS,...]\"");
        }
        if (tokens != null) {
            try {
                HookCredentials.fromFile(tokens);
            } catch (RuntimeException e) {
                throw s.error("token-file", e.getMessage(), "one line per Proxmox node, \"NODE TOKEN [ADDRESS,...]\"");
            }
        }
        final Path cert = s.file("tls-cert", "a PEM certificate (chain)");
        final Path key = s.file("tls-key", "the certificate's unencrypted PKCS#8 or RSA PEM key");
        if ((cert == null) != (key == null)) {
            throw s.error(cert == null ? "tls-cert" : "tls-key", "tls-cert and tls-key go together",
                    "both or neither");
        }
        return new Homelab.Hook(where, tokens, cert, key);
    }

    private List<Homelab.KubernetesCluster> kubernetes(Section s) {
        if (s == null) {
            return List.of();
        }
        s.only("kubeconfig", "clusters");
        final Path kubeconfig = s.file("kubeconfig", "a kubeconfig file holding the clusters' contexts");
        final Section clusters = s.required("clusters", "a mapping of cluster name → {context: ...}");
        final List<Homelab.KubernetesCluster> all = new ArrayList<>();
        clusters.each((name, c) -> {
            c.only("context", "kubeconfig", "namespaces", "ledger", "logs", "resync");
            final Path own = c.file("kubeconfig", "a kubeconfig file");
            final Path file = own != null ? own : kubeconfig;
            if (file == null) {
                throw c.error("kubeconfig", "no kubeconfig for this cluster",
                        "kubernetes.kubeconfig or the cluster's own kubeconfig: a kubeconfig file");
            }
            all.add(new Homelab.KubernetesCluster(name, file, c.string("context", false), c.names("namespaces"),
                    c.path("ledger", "a file remembering the restarts already sent"), c.bool("logs", true),
                    c.duration("resync", CollectorBuiltIns.KUBERNETES_RESYNC)));
        });
        return List.copyOf(all);
    }

    private List<Homelab.EtcdCluster> etcd(Section s) {
        if (s == null) {
            return List.of();
        }
        s.only("clusters");
        final List<Homelab.EtcdCluster> all = new ArrayList<>();
        s.required("clusters", "a mapping of cluster name → {endpoints: [...]}").each((name, c) -> {
            c.only("endpoints", "ca-file", "insecure", "interval");
            final List<String> endpoints = c.strings("endpoints");
            if (endpoints.isEmpty()) {
                throw c.error("endpoints", "is required", "a list of metrics URLs, e.g. [https://10.0.0.5:2381]");
            }
            for (int i = 0; i < endpoints.size(); i++) {
                try {
                    io.incidentcorrelator.collectors.etcd.EtcdMember.parse(endpoints.get(i));
                } catch (IllegalArgumentException e) {
                    throw c.error("endpoints[" + i + "]", e.getMessage(), "[NAME=]URL, e.g. https://10.0.0.5:2381");
                }
            }
            final boolean insecure = c.bool("insecure", false);
            final Path ca = c.file("ca-file", "a PEM file of etcd's CA");
            if (insecure && ca != null) {
                throw c.error("insecure", "ca-file and insecure: true exclude each other",
                        "verify with ca-file, or not at all");
            }
            all.add(new Homelab.EtcdCluster(name, endpoints, ca, insecure, c.duration("interval",
                    CollectorBuiltIns.ETCD_INTERVAL)));
        });
        return List.copyOf(all);
    }

    private Homelab.InventorySource inventory(Section s) {
        s.only("file", "inline", "interval");
        final Path file = s.file("file", "the inventory YAML (format in collectors/README.md)");
        final JsonNode inline = s.node.get("inline");
        if ((file == null) == (inline == null)) {
            throw s.error("", "give the inventory once", "file: PATH or inline: {clusters: ..., storage: ...}");
        }
        final Duration every = s.duration("interval", CollectorBuiltIns.INVENTORY_INTERVAL);
        final String text;
        final String where;
        try {
            text = file != null ? Files.readString(file, StandardCharsets.UTF_8) : YAML.writeValueAsString(inline);
            where = file != null ? file.toString() : source + ": inventory.inline";
            // Read now, so that a bad inventory stops the start like any other bad line.
            InventoryFile.parse(where, text);
        } catch (IOException e) {
            throw s.error("file", "cannot read " + file + ": " + e.getMessage(), "a readable file");
        } catch (InventoryFormatException e) {
            throw new ConfigException(e.getMessage());
        }
        return new Homelab.InventorySource(file, file == null ? text : null, every);
    }

    private Homelab.Alertmanager alertmanager(Section s) {
        s.only("url", "alert-names", "cluster-label", "margin", "ca-file", "bearer-token-file", "basic-auth-user",
                "basic-auth-password-file");
        final URI url = s.url("url", true);
        final String user = s.string("basic-auth-user", false);
        final Path password = s.file("basic-auth-password-file", "a file holding the basic auth password");
        final Path token = s.file("bearer-token-file", "a file holding a bearer token");
        if ((user == null) != (password == null)) {
            throw s.error(user == null ? "basic-auth-user" : "basic-auth-password-file",
                    "basic auth needs both", "basic-auth-user and basic-auth-password-file");
        }
        if (user != null && token != null) {
            throw s.error("bearer-token-file", "give basic auth or a bearer token, not both", "one of them");
        }
        return new Homelab.Alertmanager(url.toString(), s.strings("alert-names"), s.string("cluster-label", false),
                s.duration("margin", Duration.ofHours(1)), s.file("ca-file", "a PEM file of the CA to trust"), token,
                user, password);
    }

    private Homelab.Webhook webhook(Section s) {
        s.only("url-file", "signature-secret-file", "unsigned", "ca-file");
        final Path url = s.requiredFile("url-file", "a file holding the URL to POST to (chat webhooks carry a "
                + "token in it)");
        final Path secret = s.file("signature-secret-file", "a file holding the HMAC secret");
        final boolean unsigned = s.bool("unsigned", false);
        if ((secret == null) == !unsigned) {
            throw s.error("signature-secret-file", secret == null ? "no signature secret"
                    : "a secret and unsigned: true exclude each other",
                    "signature-secret-file: FILE, or unsigned: true to send unsigned deliveries");
        }
        return new Homelab.Webhook(url, secret, unsigned, s.file("ca-file", "a PEM file of the CA to trust"));
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A mapping at {@code path} in the file, read with the checks every key gets. */
    private final class Section {
        final String path;
        final JsonNode node;

        Section(String path, JsonNode node, String expected) {
            this.path = path;
            this.node = node;
            if (!node.isObject()) {
                throw error("", "is " + kind(node), expected);
            }
        }

        String at(String key) {
            return path.isEmpty() ? key : key.isEmpty() ? path : key.startsWith("[") ? path + key : path + "." + key;
        }

        ConfigException error(String key, String problem, String expected) {
            final String where = at(key);
            return new ConfigException(source + ": " + (where.isEmpty() ? "" : where + ": ") + problem
                    + " (expected: " + expected + ")");
        }

        void only(String... keys) {
            final Set<String> known = Set.of(keys);
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                final String name = names.next();
                if (!known.contains(name)) {
                    throw error(name, "unknown key", "one of " + String.join(", ", keys));
                }
            }
        }

        Section section(String key) {
            final JsonNode n = node.get(key);
            return n == null || n.isNull() ? null : new Section(at(key), n, "a mapping of settings");
        }

        Section required(String key, String expected) {
            final JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                throw error(key, "is required", expected);
            }
            return new Section(at(key), n, expected);
        }

        /** {@code key: true}, or a mapping of its settings: on; absent or {@code false}: off. */
        Section toggle(String key) {
            final JsonNode n = node.get(key);
            if (n == null || n.isNull() || n.isBoolean() && !n.booleanValue()) {
                return null;
            }
            if (n.isBoolean()) {
                return new Section(at(key), YAML.createObjectNode(), "");
            }
            return new Section(at(key), n, "true, false, or a mapping of its settings");
        }

        void each(java.util.function.BiConsumer<String, Section> action) {
            if (node.isEmpty()) {
                throw error("", "is empty", "at least one cluster");
            }
            node.fields().forEachRemaining(e -> {
                if (!NAME.matcher(e.getKey()).matches()) {
                    throw error(e.getKey(), "is not a cluster name", "letters, digits, '.', '_' and '-'");
                }
                action.accept(e.getKey(), new Section(at(e.getKey()), e.getValue() == null || e.getValue().isNull()
                        ? YAML.createObjectNode() : e.getValue(), "a mapping of the cluster's settings"));
            });
        }

        String string(String key, boolean required) {
            final JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                if (required) {
                    throw error(key, "is required", "a text value");
                }
                return null;
            }
            if (!n.isTextual() && !n.isNumber() || n.asText().isBlank()) {
                throw error(key, "is " + kind(n), "a text value");
            }
            return n.asText().trim();
        }

        boolean bool(String key, boolean fallback) {
            final JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            throw error(key, "is " + kind(n), "true or false");
        }

        /** @param builtIn the collectors' default ({@link CollectorBuiltIns}) when the file does not set it */
        Duration duration(String key, String builtIn) {
            return duration(key, ConfigLoader.parseDuration(builtIn));
        }

        Duration duration(String key, Duration fallback) {
            final String text = string(key, false);
            if (text == null) {
                return fallback;
            }
            final Duration d;
            try {
                d = ConfigLoader.parseDuration(text);
            } catch (RuntimeException e) {
                throw error(key, "is \"" + text + "\"", DURATION);
            }
            if (d.isNegative() || d.isZero()) {
                throw error(key, "is \"" + text + "\"", "a positive duration like 30s, 5m or 1h");
            }
            return d;
        }

        List<String> strings(String key) {
            final JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                return List.of();
            }
            if (!n.isArray()) {
                throw error(key, "is " + kind(n), "a list, e.g. [a, b]");
            }
            final List<String> all = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                final JsonNode item = n.get(i);
                if (!item.isTextual() || item.asText().isBlank()) {
                    throw error(key + "[" + i + "]", "is " + kind(item), "a text value");
                }
                all.add(item.asText().trim());
            }
            return List.copyOf(all);
        }

        List<String> names(String key) {
            final List<String> names = strings(key);
            for (int i = 0; i < names.size(); i++) {
                if (!NAME.matcher(names.get(i)).matches()) {
                    throw error(key + "[" + i + "]", "is \"" + names.get(i) + "\"", "a name: letters, digits, "
                            + "'.', '_' and '-'");
                }
            }
            return names;
        }

        URI url(String key, boolean required) {
            final String text = string(key, required);
            if (text == null) {
                return null;
            }
            try {
                final URI url = new URI(text);
                if (url.getHost() == null || !List.of("http", "https").contains(
                        String.valueOf(url.getScheme()).toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException();
                }
                return url;
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                throw error(key, "is \"" + text + "\"", "an http(s) URL with a host, e.g. https://pve1.lan:8006");
            }
        }

        /** {@code HOST:PORT}; null when absent. */
        String address(String key) {
            final String text = string(key, false);
            if (text == null) {
                return null;
            }
            final int colon = text.lastIndexOf(':');
            try {
                final int port = Integer.parseInt(text.substring(colon + 1));
                if (colon <= 0 || port < 0 || port > 65_535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw error(key, "is \"" + text + "\"", "HOST:PORT, e.g. 127.0.0.1:9092 (port 0..65535)");
            }
            return text;
        }

        /** A path that need not exist yet (created by the service); absolute. */
        Path path(String key, String expected) {
            final String text = string(key, false);
            return text == null ? null : resolve(key, text, expected);
        }

        Path resolve(String key, String text, String expected) {
            try {
                return base.resolve(text).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw error(key, "is not a path: " + e.getReason(), expected);
            }
        }

        /** A file that must exist and be readable now; null when absent. */
        Path file(String key, String expected) {
            final Path file = path(key, expected);
            if (file == null) {
                return null;
            }
            if (!Files.exists(file)) {
                throw error(key, file + " does not exist", expected);
            }
            if (!Files.isRegularFile(file)) {
                throw error(key, file + " is not a file", expected);
            }
            if (!Files.isReadable(file)) {
                throw error(key, file + " cannot be read (permission denied)", expected);
            }
            return file;
        }

        Path requiredFile(String key, String expected) {
            if (node.get(key) == null || node.get(key).isNull()) {
                throw error(key, "is required", expected);
            }
            return file(key, expected);
        }
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "a mapping";
            case BOOLEAN -> "a boolean (" + n.asText() + ")";
            case NUMBER -> "a number (" + n.asText() + ")";
            case STRING -> "\"" + n.asText() + "\"";
            default -> n.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

}
