package io.quiver.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates for TLS tests, made with the JDK's own {@code keytool} (no extra
 * library, present wherever the tests run).
 */
public final class TestCertificates {
  private TestCertificates() {}

  /**
   * A certificate and its key, both PEM, also written as {@code NAME.crt} and {@code NAME.key}.
   *
   * @param certificatePem the X.509 certificate
   * @param keyPem the PKCS#8 private key
   */
  public record Pair(byte[] certificatePem, byte[] keyPem, Path certificateFile, Path keyFile) {}

  /**
   * A certificate for {@code localhost} and {@code 127.0.0.1}, valid two days, under {@code dir}.
   */
  public static Pair selfSigned(Path dir, String name) throws IOException, InterruptedException {
    Path store = dir.resolve(name + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("keytool failed: " + out);
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, "changeit".toCharArray());
      }
      Certificate cert = ks.getCertificate(name);
      Key key = ks.getKey(name, "changeit".toCharArray());
      if (!"PKCS#8".equals(key.getFormat())) {
        throw new IOException("keytool made a " + key.getFormat() + " key, not PKCS#8");
      }
      byte[] certPem = pem("CERTIFICATE", cert.getEncoded());
      byte[] keyPem = pem("PRIVATE KEY", key.getEncoded());
      Path certFile = Files.write(dir.resolve(name + ".crt"), certPem);
      Path keyFile = Files.write(dir.resolve(name + ".key"), keyPem);
      return new Pair(certPem, keyPem, certFile, keyFile);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the keystore keytool made", e);
    }
  }

  private static byte[] pem(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
