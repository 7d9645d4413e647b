package io.incidentcorrelator.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
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

    @Test
    void bothPagesShareOneHeadAndHeaderEachMarkedInTheNavigation() throws Exception {
        final WebServer web = WebServer.start(new InetSocketAddress("127.0.0.1", 0));
        try {
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            final String incidents = get(http, web, "/");
            final String backups = get(http, web, "/backups");
            for (String page : new String[] {incidents, backups}) {
                assertThat(page).startsWith("<!DOCTYPE html>").contains("<link rel=\"stylesheet\" href=\"app.css\">")
                        .contains("<span id=\"status\">").endsWith("</body>\n</html>\n").doesNotContain("{{");
            }
            assertThat(incidents).contains("<title>incident-correlator</title>", "<strong>Incidents</strong>",
                    "<a href=\"/backups\">Backups</a>", "<ul id=\"incidents\">", "<script src=\"app.js\">");
            assertThat(backups).contains("<title>incident-correlator: backups</title>", "<a href=\"/\">Incidents</a>",
                    "<strong>Backups</strong>", "<table id=\"proposal\">", "<script src=\"backups.js\">");
        } finally {
            web.close();
        }
    }

    private static String get(HttpClient http, WebServer web, String path) throws Exception {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path);
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null), path);
        return r.body();
    }
}
