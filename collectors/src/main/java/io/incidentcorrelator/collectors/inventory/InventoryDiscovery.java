package io.incidentcorrelator.collectors.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.incidentcorrelator.avro.NodePlacement;
import io.incidentcorrelator.collectors.proxmox.ProxmoxApiException;
import io.incidentcorrelator.collectors.proxmox.ProxmoxClient;
import io.incidentcorrelator.collectors.proxmox.internal.Json;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;

/**
 * Finds which Proxmox guest each Kubernetes node is, by name. Three rules, strongest first; a
 * weaker rule is only tried for nodes the stronger ones left open, on guests nobody claimed yet:
 * <ol>
 *   <li>the guest's name equals the node name;</li>
 *   <li>equal ignoring case;</li>
 *   <li>one name is the other with a prefix or suffix added at a {@code -}, {@code _} or
 *       {@code .} boundary, ignoring case: guest {@code k8s-talos-cp-01} or
 *       {@code talos-cp-01.lan} for node {@code talos-cp-01}, guest {@code talos-cp-01} for
 *       node {@code talos-cp-01.example.com}.</li>
 * </ol>
 * Within a rule, two candidate guests for one node, or two nodes wanting one guest, are
 * reported as ambiguous and left unplaced: discovery never guesses. Templates are ignored.
 */
public final class InventoryDiscovery {

    /** A guest from {@code GET /cluster/resources?type=vm}. */
    public record Guest(String host, int vmid, String name, String type) {
    }

    /**
     * @param placements  one per node that matched exactly one guest (no role: names do not say)
     * @param ambiguities one line per node that matched several guests (or shared its guest)
     * @param unmatched   nodes with no candidate guest (bare metal, or named differently)
     */
    public record Result(List<NodePlacement> placements, List<String> ambiguities, List<String> unmatched) {
    }

    private InventoryDiscovery() {
    }

    /** Lists every QEMU and LXC guest of the cluster, templates left out. */
    public static List<Guest> fetchGuests(ProxmoxClient client) throws ProxmoxApiException, InterruptedException {
        final JsonNode data = client.get("/cluster/resources", Map.of("type", "vm"));
        final List<Guest> guests = new ArrayList<>();
        if (data != null && data.isArray()) {
            for (JsonNode g : data) {
                final Integer vmid = Json.intValue(g, "vmid");
                final String host = Json.text(g, "node");
                final String name = Json.text(g, "name");
                final Integer template = Json.intValue(g, "template");
                if (vmid == null || host == null || name == null || (template != null && template != 0)) {
                    continue;
                }
                guests.add(new Guest(host, vmid, name, Json.text(g, "type")));
            }
        }
        guests.sort(Comparator.comparingInt(Guest::vmid));
        return guests;
    }

    public static Result match(String cluster, List<String> nodeNames, List<Guest> guests) {
        final List<BiPredicate<String, String>> rules = List.of(
                String::equals,
                String::equalsIgnoreCase,
                InventoryDiscovery::affixed);
        final Map<String, Guest> matched = new LinkedHashMap<>();
        final Map<String, String> ambiguous = new LinkedHashMap<>();
        final Set<Guest> claimed = new HashSet<>();
        final List<String> open = new ArrayList<>(new TreeSet<>(nodeNames));

        for (BiPredicate<String, String> rule : rules) {
            final Map<String, List<Guest>> candidates = new LinkedHashMap<>();
            final Map<Guest, List<String>> wantedBy = new HashMap<>();
            for (String node : open) {
                final List<Guest> found = guests.stream()
                        .filter(g -> !claimed.contains(g) && rule.test(node, g.name()))
                        .toList();
                if (!found.isEmpty()) {
                    candidates.put(node, found);
                    found.forEach(g -> wantedBy.computeIfAbsent(g, x -> new ArrayList<>()).add(node));
                }
            }
            for (Map.Entry<String, List<Guest>> c : candidates.entrySet()) {
                final String node = c.getKey();
                final List<Guest> found = c.getValue();
                if (found.size() > 1) {
                    ambiguous.put(node, "node " + node + ": " + found.size() + " guests could be it: "
                            + describe(found) + "; say which in the inventory file");
                } else if (wantedBy.get(found.get(0)).size() > 1) {
                    ambiguous.put(node, "node " + node + ": guest " + describe(found) + " matches nodes "
                            + String.join(", ", wantedBy.get(found.get(0))) + " alike; say which in the inventory file");
                } else {
                    matched.put(node, found.get(0));
                }
            }
            matched.values().forEach(claimed::add);
            open.removeIf(n -> matched.containsKey(n) || ambiguous.containsKey(n));
        }

        final List<NodePlacement> placements = matched.entrySet().stream()
                .map(e -> new NodePlacement(cluster, e.getKey(), e.getValue().host(), e.getValue().vmid(), null))
                .toList();
        return new Result(placements, List.copyOf(ambiguous.values()), List.copyOf(open));
    }

    /** One name is the other plus a prefix or suffix at a separator, ignoring case. */
    static boolean affixed(String a, String b) {
        final String x = a.toLowerCase(Locale.ROOT);
        final String y = b.toLowerCase(Locale.ROOT);
        return x.length() != y.length() && (hasAffix(x, y) || hasAffix(y, x));
    }

    private static boolean hasAffix(String longer, String shorter) {
        if (shorter.isEmpty() || longer.length() <= shorter.length()) {
            return false;
        }
        if (longer.endsWith(shorter) && isSeparator(longer.charAt(longer.length() - shorter.length() - 1))) {
            return true;
        }
        return longer.startsWith(shorter) && isSeparator(longer.charAt(shorter.length()));
    }

    private static boolean isSeparator(char c) {
        return c == '-' || c == '_' || c == '.';
    }

    private static String describe(List<Guest> guests) {
        return guests.stream().map(g -> g.name() + " (" + g.host() + "/" + g.vmid() + ")")
                .collect(Collectors.joining(", "));
    }
}
