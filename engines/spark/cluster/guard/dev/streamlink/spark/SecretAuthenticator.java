package dev.streamlink.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * The Thrift server's only way in (hive.server2.authentication=CUSTOM): the PLAIN password must be the secret that
 * `streamlink spark start` generated into a 0600 file of the cluster's run folder, so that only StreamLink's own
 * processes (which read that file) can open a session. The file's path comes from the JVM's system property
 * streamlink.thrift.secretFile; the secret never appears on a command line.
 */
public final class SecretAuthenticator implements PasswdAuthenticationProvider {
  static final String SECRET_FILE_PROPERTY = "streamlink.thrift.secretFile";
  /** 32 random bytes, hex: a shorter file means a broken start, and then nobody gets in. */
  private static final int MIN_SECRET_LENGTH = 64;
  /** Read at the first login and kept: the server's secret is the one it started with, whatever the file says later. */
  private static volatile byte[] secret;

  @Override
  public void Authenticate(String user, String password) throws AuthenticationException {
    byte[] given = (password == null ? "" : password).getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(secret(), given)) {
      throw new AuthenticationException("StreamLink: wrong credentials for this Spark Thrift server");
    }
  }

  private static byte[] secret() throws AuthenticationException {
    byte[] known = secret;
    if (known != null) return known;
    String file = System.getProperty(SECRET_FILE_PROPERTY);
    if (file == null) throw new AuthenticationException("StreamLink: no secret configured (" + SECRET_FILE_PROPERTY + ")");
    try {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
      if (text.length() < MIN_SECRET_LENGTH) throw new AuthenticationException("StreamLink: the secret file is too short");
      secret = text.getBytes(StandardCharsets.UTF_8);
      return secret;
    } catch (IOException e) {
      throw new AuthenticationException("StreamLink: cannot read the secret file", e);
    }
  }
}
