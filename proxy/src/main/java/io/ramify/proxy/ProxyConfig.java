package io.ramify.proxy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.time.Duration;
import java.util.Optional;

/**
 * @param tls the server certificate, if clients may use TLS (they are answered 'N' otherwise)
 * @param wakeTimeout how long a client is held while its branch's compute starts
 * @param wakeCountedAbove an open that took longer than this counts as a wake-up in the metrics
 * @param maxConnections client connections open at once; more are refused with 53300
 */
public record ProxyConfig(
        String host,
        int port,
        String defaultProject,
        Optional<SslContext> tls,
        Duration wakeTimeout,
        Duration wakeCountedAbove,
        int maxConnections) {
    public static final Duration WAKE_TIMEOUT_DEFAULT = Duration.ofMinutes(2);
    public static final int CONNECTIONS_DEFAULT_MAX = 10_000;

    public static ProxyConfig of(String host, int port, String defaultProject) {
        return new ProxyConfig(
                host,
                port,
                defaultProject,
                Optional.empty(),
                WAKE_TIMEOUT_DEFAULT,
                Duration.ofMillis(200),
                CONNECTIONS_DEFAULT_MAX);
    }

    /** TLS with a PEM certificate chain and PKCS#8 PEM private key. */
    public ProxyConfig withTls(File certChain, File privateKey) {
        try {
            return new ProxyConfig(
                    host,
                    port,
                    defaultProject,
                    Optional.of(
                            SslContextBuilder.forServer(certChain, privateKey).build()),
                    wakeTimeout,
                    wakeCountedAbove,
                    maxConnections);
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalArgumentException(
                    "cannot use certificate " + certChain + " with key " + privateKey + ": " + e.getMessage(), e);
        }
    }

    public ProxyConfig withWakeTimeout(Duration d) {
        return new ProxyConfig(host, port, defaultProject, tls, d, wakeCountedAbove, maxConnections);
    }
}
