package io.incidentcorrelator.collectors.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away self-signed certificate for 127.0.0.1/localhost, made with the JDK's keytool
 * (the JDK has no public API to create certificates), once per JVM. The password is random per run.
 */
public record SelfSignedCert(Path keystore, String password, Path certificatePem) {

    /** Made once per JVM: each keytool run is a JVM start and an RSA key, seconds on a busy machine. */
    private static SelfSignedCert made;

    /** The certificate, its keystore and PEM copied into {@code dir}. */
    public static synchronized SelfSignedCert create(Path dir) throws IOException, InterruptedException {
        if (made == null) {
            made = generate(Files.createTempDirectory("self-signed-cert"));
        }
        final Path keystore = Files.copy(made.keystore(), dir.resolve("test-server.p12"),
                StandardCopyOption.REPLACE_EXISTING);
        final Path pem = Files.copy(made.certificatePem(), dir.resolve("test-ca.pem"), StandardCopyOption.REPLACE_EXISTING);
        return new SelfSignedCert(keystore, made.password(), pem);
    }

    private static SelfSignedCert generate(Path dir) throws IOException, InterruptedException {
        final String password = UUID.randomUUID().toString();
        final Path keystore = dir.resolve("test-server.p12");
        final Path pem = dir.resolve("test-ca.pem");
        final String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=ruapehu.test", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password), dir);
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                "-storepass", password, "-file", pem.toString()), dir);
        // Deleted in the reverse order of registration: the directory last.
        dir.toFile().deleteOnExit();
        for (Path file : List.of(keystore, pem, dir.resolve("keytool.log"))) {
            file.toFile().deleteOnExit();
        }
        return new SelfSignedCert(keystore, password, pem);
    }

    /** The private key as an unencrypted PKCS#8 PEM file, as a server's --key option takes it. */
    public Path privateKeyPem(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(keystore)) {
            final java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            final java.security.Key key = store.getKey("server", password.toCharArray());
            return Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the test key back: " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        final Path out = dir.resolve("keytool.log");
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed: " + Files.readString(out));
        }
    }
}
