package dev.lifeboat.schemas.registry;

import dev.lifeboat.schemas.testing.KafkaClusterExtension;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.schemas.registry.SchemaRegistry.SubjectVersion;
import dev.lifeboat.schemas.registry.SchemaRegistryServer.Config;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several registry instances sharing one topic, without a leader, agree on every id and version. */
class SchemaRegistryClusterIT {
  private static final int THREADS_PER_INSTANCE = 4;
  @RegisterExtension
  static final KafkaClusterExtension kafka = new KafkaClusterExtension();

  @Test
  void aSchemaRegisteredOnOneInstanceIsVisibleOnTheOtherAtOnce() {
    Config config = kafka.registryOnNewTopic();
    try (SchemaRegistryServer a = SchemaRegistryServer.start(config);
        SchemaRegistryServer b = SchemaRegistryServer.start(config)) {
      SchemaRegistry clientA = new HttpSchemaRegistryClient(a.url());
      SchemaRegistry clientB = new HttpSchemaRegistryClient(b.url());

      for (int i = 0; i < 5; i++) {
        Schema schema = TestSchemas.userWithCounter("field" + i);
        int id = clientA.register("users-value", schema);
        assertThat(clientB.schemaById(id)).isEqualTo(schema);
        assertThat(clientB.lookup("users-value", schema)).map(SubjectVersion::version).contains(i + 1);
        clientB.setSubjectCompatibility("users-value", i % 2 == 0 ? "FULL" : "BACKWARD");
        assertThat(clientA.subjectCompatibility("users-value")).contains(i % 2 == 0 ? "FULL" : "BACKWARD");
      }
    }
  }

  @Test
  void concurrentRegistrationsThroughTwoInstancesGetOneIdPerSchema() throws Exception {
    List<Schema> schemas = new ArrayList<>();
    schemas.add(TestSchemas.user());
    for (int i = 0; i < 7; i++) {
      schemas.add(TestSchemas.userWithCounter("counter" + i)); // any order of these is compatible
    }
    List<String> subjects = List.of("alpha-value", "beta-value", "delta-value", "gamma-value");
    Config config = kafka.registryOnNewTopic();
    try (SchemaRegistryServer a = SchemaRegistryServer.start(config);
        SchemaRegistryServer b = SchemaRegistryServer.start(config)) {
      ExecutorService threads = Executors.newFixedThreadPool(2 * THREADS_PER_INSTANCE);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Map<String, Integer>>> results = new ArrayList<>();
      for (int t = 0; t < 2 * THREADS_PER_INSTANCE; t++) {
        String url = (t % 2 == 0 ? a : b).url();
        Random random = new Random(t);
        results.add(threads.submit(() -> {
          // Each thread has its own client, so no cache hides a race from the servers.
          SchemaRegistry client = new HttpSchemaRegistryClient(url);
          List<String[]> work = new ArrayList<>();
          for (String subject : subjects) {
            for (int s = 0; s < schemas.size(); s++) {
              work.add(new String[] {subject, Integer.toString(s)});
            }
          }
          Collections.shuffle(work, random);
          go.await();
          Map<String, Integer> ids = new HashMap<>();
          for (String[] item : work) {
            ids.put(item[0] + "/" + item[1], client.register(item[0], schemas.get(Integer.parseInt(item[1]))));
          }
          return ids;
        }));
      }
      go.countDown();
      List<Map<String, Integer>> seen = new ArrayList<>();
      for (Future<Map<String, Integer>> result : results) {
        seen.add(result.get(2, TimeUnit.MINUTES));
      }
      threads.shutdown();

      // Every thread, on either instance, got the same id for each registration...
      assertThat(seen).allSatisfy(ids -> assertThat(ids).isEqualTo(seen.get(0)));
      // ...one id per schema whatever the subject, and a different id for every schema.
      Map<Integer, Set<Integer>> idsBySchema = new HashMap<>();
      seen.get(0).forEach((key, id) -> idsBySchema
          .computeIfAbsent(Integer.parseInt(key.substring(key.indexOf('/') + 1)), s -> new HashSet<>()).add(id));
      assertThat(idsBySchema).hasSize(schemas.size()).allSatisfy((schema, ids) -> assertThat(ids).hasSize(1));
      assertThat(idsBySchema.values().stream().map(ids -> ids.iterator().next()).distinct()).hasSize(schemas.size());

      SchemaRegistry clientA = new HttpSchemaRegistryClient(a.url());
      SchemaRegistry clientB = new HttpSchemaRegistryClient(b.url());
      idsBySchema.forEach((schema, ids) -> {
        int id = ids.iterator().next();
        assertThat(clientA.schemaById(id)).isEqualTo(schemas.get(schema));
        assertThat(clientB.schemaById(id)).isEqualTo(schemas.get(schema));
      });
      assertThat(clientA.subjects()).isEqualTo(subjects).isEqualTo(clientB.subjects());
      for (String subject : subjects) {
        assertThat(clientA.versions(subject)).isEqualTo(IntStream.rangeClosed(1, schemas.size()).boxed().toList());
        for (int version = 1; version <= schemas.size(); version++) {
          assertThat(clientA.version(subject, version)).isEqualTo(clientB.version(subject, version));
        }
      }
    }
  }
}
