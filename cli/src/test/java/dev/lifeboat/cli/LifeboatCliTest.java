package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LifeboatCliTest {
  @TempDir
  Path dir;

  @Test
  void aBadConfigurationIsRejectedBeforeAnythingStartsWithEveryProblemNamed() throws Exception {
    Path config = dir.resolve("lifeboat.yaml");
    Files.writeString(config, """
        kafka:
          bootstrapServers: kafka
        registry:
          url: http://registry:8081
        stores:
          primary:
            endpoint: http://s3:9000
            bucket: Backups
            accessKey: a
            secretKey: b
        snapshotter:
          enabled: false
        """);
    StringWriter err = new StringWriter();
    CommandLine cli = LifeboatCli.commandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("run", "--config", config.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .contains("has 2 problems")
        .contains("kafka.bootstrapServers = \"kafka\" is invalid: valid values are host:port")
        .contains("stores.primary.bucket = \"Backups\" is invalid: valid values are an S3 bucket name");
  }

  @Test
  void aMissingConfigurationFileSaysSo() {
    StringWriter err = new StringWriter();
    CommandLine cli = LifeboatCli.commandLine();
    cli.setErr(new PrintWriter(err));

    assertThat(cli.execute("config", "validate", "-c", dir.resolve("nope.yaml").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("nope.yaml has 1 problem").contains("the file does not exist");
  }

  @Test
  void configDocsListsEveryKey() {
    StringWriter out = new StringWriter();
    CommandLine cli = LifeboatCli.commandLine();
    cli.setOut(new PrintWriter(out));
    java.io.PrintStream original = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured));
    try {
      assertThat(cli.execute("config", "docs")).isZero();
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString()).contains("bootstrapServers", "compression", "stores.primary", "etcd");
  }
}
