package io.incidentcorrelator.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every answer of the web view, the page as well as the API (even before the pipeline is attached). */
@Timeout(60)
class WebServerHeadersTest {

    @Test
    void pageAndApiCarryTheSecurityHeaders() throws Exception {
        final WebServer web = WebServer.start(new InetSocketAddress("127.0.0.1", 0));
        try {
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            for (String path : new String[] {"/", "/app.js", "/api/incidents", "/no-such-page"}) {
                final HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + web.port() + path)).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
                assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(null), path);
                final String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
                assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), path + ": " + csp);
            }
        } finally {
            web.close();
        }
    }
}
