package io.incidentcorrelator.sinks;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import java.time.Duration;

/** WireMock on loopback standing in for Alertmanager (reset before each test), and how the sinks talk to it. */
final class FakeAlertmanager {

    private FakeAlertmanager() {
    }

    static WireMockExtension extension() {
        return WireMockExtension.newInstance()
                .options(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort()).build();
    }

    /**
     * A client sending {@code token} as bearer token, retrying fast. The timeout is generous: on a
     * loaded machine a request that times out is sent again, and the tests count requests.
     */
    static AlertmanagerClient client(WireMockExtension alertmanager, String token) {
        final HttpSender http = new HttpSender(HttpSender.client(null, Duration.ofSeconds(30)), HttpSender.bearer(token),
                new HttpSender.Retry(3, Duration.ofMillis(10), Duration.ofMillis(50)), Duration.ofSeconds(30));
        return new AlertmanagerClient(alertmanager.baseUrl(), http);
    }
}
