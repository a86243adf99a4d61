package dev.lifeboat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.schemas.registry.RegistryRecord.ConfigChange;
import dev.lifeboat.schemas.registry.RegistryRecord.SchemaProposal;
import dev.lifeboat.schemas.registry.RegistryRecord.SubjectDeletion;
import dev.lifeboat.schemas.registry.RegistryState.RegistrationPlan;
import dev.lifeboat.schemas.registry.RegistryState.StoredVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class RegistryStateTest {
  private final RegistryState state = new RegistryState();

  private static SchemaProposal proposal(String subject, int version, int id, Schema schema) {
    return new SchemaProposal(UUID.randomUUID().toString(), subject, version, id, schema.toString());
  }

  @Test
  void acceptsTheNextVersionUnderAFreshId() {
    assertThat(state.apply(proposal("users", 1, 1, TestSchemas.user()))).isTrue();
    assertThat(state.apply(proposal("users", 2, 2, TestSchemas.userWithOptionalEmail()))).isTrue();

    assertThat(state.versions("users", false)).extracting(StoredVersion::version, StoredVersion::id)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 1), org.assertj.core.groups.Tuple.tuple(2, 2));
    assertThat(state.schemaById(2)).map(CanonicalSchema::schema).contains(TestSchemas.userWithOptionalEmail());
  }

  @Test
  void theFirstProposalForAVersionWinsAndLaterOnesAreIgnored() {
    assertThat(state.apply(proposal("users", 1, 1, TestSchemas.user()))).isTrue();
    // Another writer planned against the same state: same version, same fresh id, other schema.
    assertThat(state.apply(proposal("users", 1, 1, TestSchemas.order()))).isFalse();
    // Skipping a version is never accepted either.
    assertThat(state.apply(proposal("users", 3, 2, TestSchemas.order()))).isFalse();

    assertThat(state.versions("users", false)).singleElement()
        .satisfies(v -> assertThat(v.schema().schema()).isEqualTo(TestSchemas.user()));
    assertThat(state.schemaById(2)).isEmpty();
  }

  @Test
  void anIdBelongsToOneSchemaAndASchemaToOneId() {
    state.apply(proposal("users", 1, 1, TestSchemas.user()));
    // id 1 is taken by another schema
    assertThat(state.apply(proposal("orders", 1, 1, TestSchemas.order()))).isFalse();
    // the same schema under another subject must reuse its id
    assertThat(state.apply(proposal("people", 1, 2, TestSchemas.user()))).isFalse();
    assertThat(state.apply(proposal("people", 1, 1, TestSchemas.user()))).isTrue();
    assertThat(state.apply(proposal("orders", 1, 2, TestSchemas.order()))).isTrue();

    assertThat(state.versionsOfId(1, false)).extracting(StoredVersion::subject).containsExactly("people", "users");
  }

  @Test
  void aSchemaIsNotRegisteredTwiceAsLiveVersionsOfOneSubject() {
    state.apply(proposal("users", 1, 1, TestSchemas.user()));
    assertThat(state.apply(proposal("users", 2, 1, TestSchemas.user()))).isFalse();
  }

  @Test
  void aProposalThatIsNotASchemaIsIgnored() {
    assertThat(state.apply(new SchemaProposal("p", "users", 1, 1, "{\"type\":\"record\"}"))).isFalse();
    assertThat(state.subjects(true)).isEmpty();
  }

  @Test
  void planningReusesIdsAndVersionsAndChecksCompatibility() {
    assertThat(state.planRegistration("users", CanonicalSchema.of(TestSchemas.user())))
        .isEqualTo(new RegistrationPlan.Propose(1, 1));
    state.apply(proposal("users", 1, 1, TestSchemas.user()));

    assertThat(state.planRegistration("users", CanonicalSchema.of(TestSchemas.user())))
        .isEqualTo(new RegistrationPlan.AlreadyRegistered(1, 1));
    assertThat(state.planRegistration("people", CanonicalSchema.of(TestSchemas.user())))
        .isEqualTo(new RegistrationPlan.Propose(1, 1));
    assertThat(state.planRegistration("users", CanonicalSchema.of(TestSchemas.userWithOptionalEmail())))
        .isEqualTo(new RegistrationPlan.Propose(2, 2));
    assertThat(state.planRegistration("users", CanonicalSchema.of(TestSchemas.userWithRequiredEmail())))
        .isInstanceOf(RegistrationPlan.Incompatible.class);

    state.apply(new ConfigChange("users", CompatibilityLevel.NONE));
    assertThat(state.planRegistration("users", CanonicalSchema.of(TestSchemas.userWithRequiredEmail())))
        .isEqualTo(new RegistrationPlan.Propose(2, 2));
  }

  @Test
  void compatibilityLevelsFollowTheLastConfigRecord() {
    assertThat(state.globalLevel()).isEqualTo(CompatibilityLevel.BACKWARD);
    state.apply(new ConfigChange(null, CompatibilityLevel.FULL));
    state.apply(new ConfigChange("users", CompatibilityLevel.NONE));
    state.apply(new ConfigChange("users", CompatibilityLevel.FORWARD));
    assertThat(state.effectiveLevel("users")).isEqualTo(CompatibilityLevel.FORWARD);
    assertThat(state.effectiveLevel("orders")).isEqualTo(CompatibilityLevel.FULL);

    state.apply(new ConfigChange("users", null));
    state.apply(new ConfigChange(null, null));
    assertThat(state.subjectLevel("users")).isEmpty();
    assertThat(state.effectiveLevel("users")).isEqualTo(CompatibilityLevel.BACKWARD);
  }

  @Test
  void deletedVersionsAreHiddenButKeepTheirNumbersAndIds() {
    state.apply(proposal("users", 1, 1, TestSchemas.user()));
    state.apply(proposal("users", 2, 2, TestSchemas.userWithOptionalEmail()));
    assertThat(state.apply(new SubjectDeletion(UUID.randomUUID().toString(), "users", 2))).isTrue();

    assertThat(state.subjects(false)).isEmpty();
    assertThat(state.subjects(true)).containsExactly("users");
    assertThat(state.schemaById(1)).isPresent();
    // Registering again continues the numbering and keeps the schema's id.
    assertThat(state.planRegistration("users", CanonicalSchema.of(TestSchemas.user())))
        .isEqualTo(new RegistrationPlan.Propose(3, 1));
  }

  @Test
  void instancesApplyingTheSameLogAgree() {
    // Several writers plan against stale states and race; whatever order the log puts their
    // proposals in, two states applying that order end up identical, with unique ids.
    List<Schema> schemas = List.of(TestSchemas.user(), TestSchemas.userWithCounter("a"),
        TestSchemas.userWithCounter("b"), TestSchemas.userWithCounter("c"));
    List<String> subjects = List.of("s1", "s2", "s3");
    Random random = new Random(42);
    List<RegistryRecord> log = new ArrayList<>();
    RegistryState writerView = new RegistryState();
    for (int round = 0; round < 50; round++) {
      List<RegistryRecord> batch = new ArrayList<>();
      for (int writer = 0; writer < 3; writer++) {
        String subject = subjects.get(random.nextInt(subjects.size()));
        CanonicalSchema schema = CanonicalSchema.of(schemas.get(random.nextInt(schemas.size())));
        if (writerView.planRegistration(subject, schema) instanceof RegistrationPlan.Propose p) {
          batch.add(new SchemaProposal(UUID.randomUUID().toString(), subject, p.version(), p.id(), schema.text()));
        }
      }
      Collections.shuffle(batch, random);
      batch.forEach(writerView::apply);
      log.addAll(batch);
    }
    RegistryState first = new RegistryState();
    RegistryState second = new RegistryState();
    log.forEach(first::apply);
    log.forEach(second::apply);

    for (String subject : subjects) {
      assertThat(first.versions(subject, true)).isEqualTo(second.versions(subject, true));
      assertThat(first.versions(subject, true)).extracting(StoredVersion::version)
          .isEqualTo(java.util.stream.IntStream.rangeClosed(1, first.versions(subject, true).size()).boxed().toList());
    }
    for (Schema schema : schemas) {
      List<Integer> ids = subjects.stream().flatMap(s -> first.versions(s, true).stream())
          .filter(v -> v.schema().schema().equals(schema)).map(StoredVersion::id).distinct().toList();
      assertThat(ids).as("ids of %s", schema).hasSizeLessThanOrEqualTo(1);
    }
    assertThat(first.schemaById(1)).isPresent();
  }
}
