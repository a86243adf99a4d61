package dev.lifeboat.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionTest {
  @TempDir
  Path dir;

  @Test
  void aConfigurationGivesARestoreInThisProcessItsDataMoverPods() throws Exception {
    Path config = Files.writeString(dir.resolve("lifeboat.yaml"), """
        cluster:
          name: prod-eu1
        kafka:
          bootstrapServers: kafka-0:9092
        registry:
          url: http://registry:8081
        stores:
          primary:
            endpoint: https://s3.eu-west-1.example.com
            bucket: lifeboat-backups
            accessKey: a
            secretKey: b
        repository:
          masterKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
        restore:
          dataMoverImage: registry.example.com/mirror/lifeboat:0.1.0
          dataMoverStartTimeout: 2m
        """);

    Connection connection = Connection.fromConfig(config);

    assertThat(connection.dataMover().image()).isEqualTo("registry.example.com/mirror/lifeboat:0.1.0");
    assertThat(connection.dataMover().startTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(connection.dataMover().moversAtOnce()).isEqualTo(4);
  }
}
