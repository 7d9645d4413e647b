package io.incidentcorrelator.cli;

import io.incidentcorrelator.web.WebServer;
import org.apache.kafka.streams.state.HostInfo;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Where the web view (UI and JSON API) listens, shared by {@code run} and {@code demo --serve}. */
final class WebOptions {

    static final int DEFAULT_PORT = 8080;

    @Option(names = "--port", paramLabel = "PORT", arity = "0..1", fallbackValue = "" + DEFAULT_PORT,
            description = "Serve the web view and its JSON API on this port (default with --port alone or demo --serve: "
                    + DEFAULT_PORT + "; 0 picks a free one).")
    Integer port;

    @Option(names = "--web-bind", paramLabel = "ADDRESS",
            description = "Address the web view listens on (default: 0.0.0.0 for run, 127.0.0.1 for demo).")
    String bind;

    @Option(names = "--advertised-host", paramLabel = "HOST",
            description = "Host name other instances reach this one's web view at, for application.server "
                    + "(default: the bind address, or this machine's name when bound to all addresses).")
    String advertisedHost;

    /** A started web view and the address other instances reach it at. */
    record Served(WebServer server, HostInfo self) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
        }

        String url() {
            return "http://" + (self.host().equals("0.0.0.0") ? "localhost" : self.host()) + ":" + self.port() + "/";
        }
    }

    /** Binds the port ({@code defaultPort} when --port is absent) so {@code application.server} can name it. */
    Served start(int defaultPort, String defaultBind) {
        final int p = port == null ? defaultPort : port;
        if (p < 0 || p > 65_535) {
            throw new IllegalArgumentException("--port must be 0..65535, was " + p);
        }
        final String address = bind == null ? defaultBind : bind;
        final WebServer server = WebServer.start(new InetSocketAddress(address, p));
        return new Served(server, new HostInfo(advertised(address), server.port()));
    }

    private String advertised(String address) {
        if (advertisedHost != null) {
            return advertisedHost;
        }
        if (!address.equals("0.0.0.0") && !address.equals("::")) {
            return address;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
