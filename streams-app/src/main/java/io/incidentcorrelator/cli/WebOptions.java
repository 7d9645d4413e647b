package io.incidentcorrelator.cli;

import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.web.WebServer;
import org.apache.kafka.streams.state.HostInfo;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/** Where the web view (UI and JSON API) listens, shared by {@code run} and {@code demo --serve}. */
final class WebOptions {

    static final int DEFAULT_PORT = 8080;

    @Option(names = "--port", paramLabel = "PORT", arity = "0..1", fallbackValue = "" + DEFAULT_PORT,
            description = "Serve the web view and its JSON API on this port (default with --port alone or demo --serve: "
                    + DEFAULT_PORT + "; 0 picks a free one).")
    Integer port;

    /** Where the web view and the health port listen unless told otherwise: this machine only. */
    static final String LOOPBACK = "127.0.0.1";

    @Option(names = "--web-bind", paramLabel = "ADDRESS", defaultValue = LOOPBACK,
            description = "Address the web view listens on (default: ${DEFAULT-VALUE}, this machine only; "
                    + "0.0.0.0 to serve other machines, as in a container).")
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

    /**
     * Fails with one line when {@code address:port} cannot be bound (in use, or no such local
     * address), before a command starts a broker or writes anything. Port 0 or none: nothing to check.
     */
    static void requireFree(String address, Integer port, String what, String option) {
        if (port == null || port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port));
        } catch (BindException e) {
            throw new ConfigException("The " + what + " cannot listen on " + address + ":" + port + " (" + option
                    + "): " + (e.getMessage().contains("in use") ? "the port is in use" : e.getMessage())
                    + "; choose another port or stop what listens there");
        } catch (IOException e) {
            throw new ConfigException("The " + what + " cannot listen on " + address + ":" + port + " (" + option
                    + "): " + e.getMessage());
        }
    }

    /** Binds the port ({@code defaultPort} when --port is absent) so {@code application.server} can name it. */
    Served start(int defaultPort) {
        final int p = port == null ? defaultPort : port;
        if (p < 0 || p > 65_535) {
            throw new IllegalArgumentException("--port must be 0..65535, was " + p);
        }
        final String address = bind;
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
