package dev.lifeboat.bench;

import dev.lifeboat.embedded.EmbeddedS3;
import java.nio.file.Path;
import java.util.List;

/**
 * An embedded S3 server (S3Proxy, filesystem backend) as a process of its own, so that a benchmark's
 * S3 servers do not share a JVM, its heap and its JIT with the side being measured. Arguments: data
 * directory, access key, secret key, buckets. Prints {@code S3 server listening on URL} when it serves,
 * and stops when its standard input closes (its parent stopped it or died).
 */
public final class S3ServerMain {
  private S3ServerMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: S3ServerMain DATA_DIR ACCESS_KEY SECRET_KEY BUCKET...");
      System.exit(2);
    }
    try (EmbeddedS3 s3 = EmbeddedS3.start("bench", Path.of(args[0]), 0, args[1], args[2],
        List.of(args).subList(3, args.length))) {
      System.out.println("S3 server listening on " + s3.endpoint());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the parent closes our standard input
      }
    }
    System.exit(0);
  }
}
