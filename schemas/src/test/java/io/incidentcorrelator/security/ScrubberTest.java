package io.incidentcorrelator.security;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScrubberTest {

    @Test
    void registeredSecretsAndTheirEncodingsAreHidden() {
        final String secret = "pw-" + UUID.randomUUID();
        Scrubber.registerBasic("alice", secret);
        final String basic = Base64.getEncoder().encodeToString(("alice:" + secret).getBytes(StandardCharsets.UTF_8));
        final String echoed = "upstream said: x-debug=" + secret + " auth-b64=" + basic
                + " plain " + Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
        final String out = Scrubber.scrub(echoed);
        assertFalse(out.contains(secret), out);
        assertFalse(out.contains(basic), out);
        assertTrue(out.startsWith("upstream said: x-debug=[hidden] auth-b64=[hidden]"), out);
    }

    @Test
    void anEchoedHeaderIsHiddenWholeAndScrubbingTwiceChangesNothing() {
        final String secret = "pve-" + UUID.randomUUID();
        Scrubber.register(secret);
        final String echo = "GET /api2/json/nodes\nAuthorization: PVEAPIToken=collector@pve!c=" + secret
                + "\nAccept: application/json\n{\"authorization\":[\"Bearer abc.def.ghi\"]}";
        final String once = Scrubber.scrub(echo);
        assertEquals("GET /api2/json/nodes\nAuthorization: [hidden]\nAccept: application/json\n"
                + "{\"authorization\":[\"[hidden]\"]}", once);
        assertEquals(once, Scrubber.scrub(once));
    }

    @Test
    void credentialLookingValuesAreHiddenEvenWhenUnknown() {
        final String body = "{\"headers\":{\"Authorization\":[\"PVEAPIToken=root@pam!ci=0b8e-unknown\"],"
                + "\"Cookie\":\"PVEAuthCookie=PVE:root@pam:65F0A1B2::c2lnbmF0dXJl\"}} Bearer abc.def.ghi "
                + "Basic dXNlcjpwYXNz proxy https://bob:hunter22@registry.lan:8081/subjects";
        final String out = Scrubber.scrub(body);
        for (String leaked : new String[] {"0b8e-unknown", "c2lnbmF0dXJl", "abc.def.ghi", "dXNlcjpwYXNz", "hunter22"}) {
            assertFalse(out.contains(leaked), leaked + " in " + out);
        }
        assertTrue(out.contains("https://[hidden]@registry.lan:8081/subjects"), out);
        assertTrue(out.contains("Bearer [hidden]"), out);
    }

    @Test
    void aUrlIsShownAsSchemeHostAndPortOnly() {
        assertEquals("https://hooks.slack.example/…",
                Scrubber.url(URI.create("https://hooks.slack.example/services/T000/B000/XXXXSECRET")));
        assertEquals("http://127.0.0.1:8080/…", Scrubber.url(URI.create("http://u:p@127.0.0.1:8080/?token=abc")));
        assertEquals("https://am.lan/", Scrubber.url(URI.create("https://am.lan")));
    }
}
