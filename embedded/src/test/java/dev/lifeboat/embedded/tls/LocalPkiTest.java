package dev.lifeboat.embedded.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPkiTest {

  @TempDir Path dir;

  @Test
  void aClientWithItsCertificateTalksToTheServerOverMutualTls() throws Exception {
    LocalPki pki = LocalPki.create(dir, "snapshotter");
    assertThat(Files.readString(pki.server().privateKey())).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(pki.client().x509().getSubjectX500Principal().getName()).isEqualTo("CN=snapshotter");
    try (SSLServerSocket server = (SSLServerSocket) pki.serverContext().getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setNeedClientAuth(true);
      CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
        try (SSLSocket socket = (SSLSocket) server.accept()) {
          String name = socket.getSession().getPeerPrincipal().getName();
          new DataOutputStream(socket.getOutputStream()).writeUTF("hello " + name);
          return name;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try (SSLSocket socket = (SSLSocket) pki.clientContext().getSocketFactory().createSocket("localhost", server.getLocalPort())) {
        socket.getSSLParameters().setEndpointIdentificationAlgorithm("HTTPS");
        assertThat(new DataInputStream(socket.getInputStream()).readUTF()).isEqualTo("hello CN=snapshotter");
      }
      assertThat(peer.get(10, TimeUnit.SECONDS)).isEqualTo("CN=snapshotter");
    }
  }

  @Test
  void aClientTrustingAnotherCaIsRefused() throws Exception {
    LocalPki pki = LocalPki.create(dir.resolve("a"));
    LocalPki other = LocalPki.create(dir.resolve("b"));
    try (SSLServerSocket server = (SSLServerSocket) pki.serverContext().getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture.runAsync(() -> {
        try (SSLSocket socket = (SSLSocket) server.accept()) {
          socket.startHandshake();
        } catch (Exception expected) {
          // the client refuses the handshake
        }
      });
      try (SSLSocket socket = (SSLSocket) other.trustingContext().getSocketFactory().createSocket("localhost", server.getLocalPort())) {
        assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
      }
    }
  }
}
