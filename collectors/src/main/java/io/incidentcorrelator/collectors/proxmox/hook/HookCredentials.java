package io.incidentcorrelator.collectors.proxmox.hook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who may post to the hook endpoint, read from the collector's token file:
 *
 * <pre>
 * # node   token                                       [source addresses, comma separated]
 * pve1     6f1c…(openssl rand -hex 32)                 192.168.10.11
 * pve2     a93e…                                       192.168.10.12,fd00::12
 * pve3     0b77…                                       192.168.10.0/24
 * </pre>
 *
 * Each Proxmox node holds only its own token, so a node (or whoever got its token) can report
 * phases for itself only: the {@code node} a request claims must be the one its token belongs to,
 * and, when addresses are given, the request must come from one of them. A file with a single
 * bare token (the older format) is a shared token valid for every node.
 */
public final class HookCredentials {

    /** Why a request was refused, or {@link #OK}. */
    public enum Verdict { OK, UNKNOWN_TOKEN, OTHER_NODE, OTHER_ADDRESS }

    /** One node's token; {@code node} null for the shared token. */
    public record Entry(String node, HookToken token, List<Cidr> sources) {
        public Entry {
            Objects.requireNonNull(token, "token");
            sources = List.copyOf(sources);
        }
    }

    private final List<Entry> entries;

    private HookCredentials(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** One token for every node (the older set-up; any holder can report for any node). */
    public static HookCredentials shared(HookToken token) {
        return new HookCredentials(List.of(new Entry(null, token, List.of())));
    }

    public static HookCredentials of(List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no tokens");
        }
        return new HookCredentials(entries);
    }

    /** Whether every token is bound to a node (false for a shared token). */
    public boolean perNode() {
        return entries.stream().allMatch(e -> e.node() != null);
    }

    public int size() {
        return entries.size();
    }

    /**
     * Reads the token file (format in the class comment).
     *
     * @throws IllegalArgumentException naming the file and line of anything malformed (never the token)
     */
    public static HookCredentials fromFile(Path file) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read hook token file " + file, e);
        }
        final List<String[]> rows = new ArrayList<>();
        final List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                rows.add(line.split("\\s+"));
                numbers.add(i + 1);
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("hook token file " + file + " holds no token");
        }
        if (rows.size() == 1 && rows.get(0).length == 1) {
            return shared(HookToken.of(rows.get(0)[0]));
        }
        final List<Entry> entries = new ArrayList<>();
        final Set<String> nodes = new HashSet<>();
        final Set<HookToken> tokens = new HashSet<>();
        for (int r = 0; r < rows.size(); r++) {
            final String[] f = rows.get(r);
            final String where = "hook token file " + file + " line " + numbers.get(r);
            if (f.length < 2 || f.length > 3) {
                throw new IllegalArgumentException(where + ": expected \"NODE TOKEN [ADDRESS,...]\", found "
                        + f.length + " field(s)");
            }
            if (!nodes.add(f[0])) {
                throw new IllegalArgumentException(where + ": node " + f[0] + " is listed twice");
            }
            final HookToken token = HookToken.of(f[1]);
            if (!tokens.add(token)) {
                throw new IllegalArgumentException(where + ": the token of " + f[0]
                        + " is also another node's; every node needs its own");
            }
            final List<Cidr> sources = new ArrayList<>();
            if (f.length == 3) {
                for (String s : f[2].split(",")) {
                    try {
                        sources.add(Cidr.parse(s));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(where + ": " + e.getMessage());
                    }
                }
            }
            entries.add(new Entry(f[0], token, sources));
        }
        return of(entries);
    }

    /**
     * @param presented the bearer token of the request (null when none)
     * @param node      the node the request reports for
     * @param source    where the request came from
     */
    public Verdict check(String presented, String node, InetAddress source) {
        final Entry entry = identify(presented);
        if (entry == null) {
            return Verdict.UNKNOWN_TOKEN;
        }
        if (entry.node() != null && !entry.node().equals(node)) {
            return Verdict.OTHER_NODE;
        }
        if (!entry.sources().isEmpty() && entry.sources().stream().noneMatch(c -> c.contains(source))) {
            return Verdict.OTHER_ADDRESS;
        }
        return Verdict.OK;
    }

    /** Whether the token is known at all (checked before the body is read). */
    public boolean known(String presented) {
        return identify(presented) != null;
    }

    /** Compares against every entry, without stopping at a match, so timing does not tell which one. */
    private Entry identify(String presented) {
        if (presented == null) {
            return null;
        }
        final byte[] digest = HookToken.sha256(presented);
        Entry found = null;
        for (Entry e : entries) {
            if (e.token().matchesDigest(digest) && found == null) {
                found = e;
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return "HookCredentials[" + (perNode() ? entries.size() + " node tokens" : "shared token") + "]";
    }

    /** An address or an address block ({@code 192.168.10.0/24}, {@code fd00::/64}). */
    public record Cidr(byte[] network, int bits) {

        public static Cidr parse(String text) {
            final int slash = text.indexOf('/');
            final String host = slash < 0 ? text : text.substring(0, slash);
            if (!host.matches("[0-9A-Fa-f:.]+")) {
                // Names would need DNS at every request, and DNS is what an attacker may control.
                throw new IllegalArgumentException("\"" + text + "\" is not an IP address or address/bits");
            }
            final byte[] bytes;
            try {
                bytes = InetAddress.getByName(host).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not an IP address or address/bits");
            }
            final int bits;
            try {
                bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + text + "\": prefix length is not a number");
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("\"" + text + "\": prefix length out of range");
            }
            return new Cidr(bytes, bits);
        }

        public boolean contains(InetAddress address) {
            final byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                final int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
