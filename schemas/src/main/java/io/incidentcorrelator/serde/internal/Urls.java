package io.incidentcorrelator.serde.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** URL helpers shared by the HTTP client and the embedded server. */
public final class Urls {

    private Urls() {
    }

    /** Splits a comma-separated list of registry URLs, trimming blanks and trailing slashes. */
    public static List<String> split(String urls) {
        final List<String> result = new ArrayList<>();
        if (urls != null) {
            for (String part : urls.split(",")) {
                String url = part.trim();
                while (url.endsWith("/")) {
                    url = url.substring(0, url.length() - 1);
                }
                if (!url.isEmpty()) {
                    result.add(url);
                }
            }
        }
        return result;
    }

    /** The URL with any {@code user:password@} removed, safe to show in messages and logs. */
    public static String redact(String url) {
        try {
            final URI uri = new URI(url);
            if (uri.getRawUserInfo() == null) {
                return url;
            }
            return new URI(uri.getScheme(), "***", uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(),
                    uri.getFragment()).toString();
        } catch (URISyntaxException e) {
            // Not a URL we can take apart: drop everything between "//" and "@" rather than risk showing a password.
            return url.replaceAll("//[^/@]*@", "//***@");
        }
    }

    /** Percent-encodes one path segment (subjects may contain any character). */
    public static String encodeSegment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Decodes one raw path segment; a literal '+' stays a '+' as it does in paths. */
    public static String decodeSegment(String rawSegment) {
        return URLDecoder.decode(rawSegment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
