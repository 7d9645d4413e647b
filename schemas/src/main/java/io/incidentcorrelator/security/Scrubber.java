package io.incidentcorrelator.security;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place text built from a response or a URL passes before it is logged or written: a
 * server or proxy that echoes the request (its headers, its URL) must not put a credential on
 * stderr or into a file. Replaces with {@value #HIDDEN}
 * <ul>
 *   <li>every secret this process holds ({@link #register}ed where it is loaded), and its base64
 *       and URL-encoded forms (a {@code user:password} pair is registered as one, so its base64
 *       as sent in {@code Basic} is caught too);</li>
 *   <li>the values of {@code Authorization}-like headers and the credentials after
 *       {@code Bearer}, {@code Basic} and {@code PVEAPIToken=}, whatever they are;</li>
 *   <li>the {@code user:password@} of any URL.</li>
 * </ul>
 */
public final class Scrubber {

    public static final String HIDDEN = "[hidden]";

    /** Shorter values would hide ordinary words; no real secret is this short. */
    private static final int MIN_LENGTH = 6;

    private static final Set<String> FORMS = ConcurrentHashMap.newKeySet();

    private static final Pattern HEADER = Pattern.compile(
            "(?i)(\"?\\b(?:proxy-authorization|authorization|cookie|set-cookie|x-api-key|x-auth-token"
                    + "|private-token|x-vault-token|csrfpreventiontoken)\"?\\s*+[:=]\\s*+\\[?+\\s*+\"?+)"
                    // A value already (partly) hidden is one value, and an all-hidden one is left as it
                    // is: scrubbing twice must not turn "[hidden]" into "[[hidden]]".
                    + "(?!\\[?hidden])((?:\\[hidden]|[^\"\\r\\n\\]])+)");
    private static final Pattern SCHEME_CREDENTIAL = Pattern.compile(
            "(?i)\\b(Bearer|Basic|Digest|Negotiate)(\\s+)[A-Za-z0-9._~+/=:-]{4,}");
    private static final Pattern PVE_TOKEN = Pattern.compile("(?i)(PVEAPIToken[=\\s]+)[^\\s\"',;]+");
    private static final Pattern PVE_TICKET = Pattern.compile("(PVE:[^:\\s\"]+:[0-9A-F]{8})::[^\\s\"';]+");
    private static final Pattern USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/?#@\\s\"']+@");

    private Scrubber() {
    }

    /** Makes {@link #scrub} hide {@code secret} from now on (null and blank are ignored). */
    public static void register(String secret) {
        if (secret == null || secret.strip().length() < MIN_LENGTH) {
            return;
        }
        final String s = secret.strip();
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        FORMS.add(s);
        FORMS.add(Base64.getEncoder().encodeToString(bytes));
        FORMS.add(Base64.getEncoder().withoutPadding().encodeToString(bytes));
        FORMS.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        FORMS.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
    }

    /** A user name and password sent as HTTP basic auth: the password alone and the pair's base64. */
    public static void registerBasic(String user, String password) {
        register(password);
        if (user != null && password != null && !password.isBlank()) {
            register(user + ":" + password);
        }
    }

    /** {@code text} with every known secret and credential-looking value replaced; null stays null. */
    public static String scrub(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        if (!FORMS.isEmpty()) {
            // Longest first: a secret's base64 may contain a shorter secret.
            final List<String> forms = new ArrayList<>(FORMS);
            forms.sort(Comparator.comparingInt(String::length).reversed());
            for (String form : forms) {
                out = out.replace(form, HIDDEN);
            }
        }
        out = replace(HEADER, out, m -> m.group(1) + HIDDEN);
        out = replace(SCHEME_CREDENTIAL, out, m -> m.group(1) + m.group(2) + HIDDEN);
        out = replace(PVE_TOKEN, out, m -> m.group(1) + HIDDEN);
        out = replace(PVE_TICKET, out, m -> m.group(1) + "::" + HIDDEN);
        out = replace(USERINFO, out, m -> m.group(1) + HIDDEN + "@");
        return out;
    }

    /**
     * A URL as it may be shown: scheme, host and port only, the path and query (where chat
     * webhooks and signed links carry their token) and any user info left out.
     */
    public static String url(URI uri) {
        if (uri == null) {
            return "null";
        }
        if (uri.getHost() == null) {
            return HIDDEN;
        }
        final String host = uri.getHost();
        final String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        final boolean more = (uri.getRawPath() != null && uri.getRawPath().length() > 1) || uri.getRawQuery() != null;
        return uri.getScheme() + "://" + host + port + (more ? "/…" : "/");
    }

    /** As {@link #url(URI)} for text that may not even parse (a {@code Location} header). */
    public static String url(String text) {
        try {
            return text == null ? "null" : url(URI.create(text.strip()));
        } catch (IllegalArgumentException e) {
            return HIDDEN;
        }
    }

    private static String replace(Pattern pattern, String text, java.util.function.Function<Matcher, String> with) {
        final Matcher m = pattern.matcher(text);
        if (!m.find()) {
            return text;
        }
        final StringBuilder sb = new StringBuilder();
        do {
            m.appendReplacement(sb, Matcher.quoteReplacement(with.apply(m)));
        } while (m.find());
        m.appendTail(sb);
        return sb.toString();
    }
}
