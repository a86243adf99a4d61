package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

class KafkaBrokersTest {

  @Test
  void withTheSwitchOnAndNoDockerTheStackFailsSayingDockerWasNotFoundAndHowToRunWithoutTheSwitch() {
    assertThatThrownBy(() -> TestcontainersKafka.requireDocker("apache/kafka:4.3.1", () -> false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lifeboat.kafka=testcontainers asks for a Kafka broker in a container (apache/kafka:4.3.1)")
        .hasMessageContaining("Docker was not found")
        .hasMessageContaining("run without the switch (without -Ptestcontainers and -Dlifeboat.kafka) to use the in-process broker");
  }

  @Test
  void theInProcessBrokerIsTheDefaultAndTestcontainersIsAskedForByName() {
    assertThat(KafkaBrokers.parse(null)).isEqualTo(KafkaBrokers.Kind.IN_PROCESS);
    assertThat(KafkaBrokers.parse("")).isEqualTo(KafkaBrokers.Kind.IN_PROCESS);
    assertThat(KafkaBrokers.parse("in-process")).isEqualTo(KafkaBrokers.Kind.IN_PROCESS);
    assertThat(KafkaBrokers.parse("Testcontainers")).isEqualTo(KafkaBrokers.Kind.TESTCONTAINERS);
  }

  @Test
  void aMistypedSwitchFailsNamingTheValidValuesInsteadOfFallingBackToTheInProcessBroker() {
    assertThatThrownBy(() -> KafkaBrokers.parse("testcontainer"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-Dlifeboat.kafka=testcontainer is not a Kafka broker for the tests")
        .hasMessageContaining("use testcontainers")
        .hasMessageContaining("or in-process (the default)");
  }

  @Test
  void theDefaultImageIsApachesImageOfTheKafkaVersionOnTheClassPath() {
    assertThat(System.getProperty(KafkaBrokers.IMAGE)).as("set by -Ptestcontainers only").isNull();
    assertThat(KafkaBrokers.image()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
  }
}
