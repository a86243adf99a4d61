package dev.lifeboat.e2e;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house rules at the level of packages, on the production classes of every module (the module
 * rules, test scope included, are the maven-enforcer rules of the parent pom). A broken rule names
 * the class and the dependency that breaks it.
 */
class LayeringTest {
  private static final String[] WORKERS = {"dev.lifeboat.watcher..", "dev.lifeboat.snapshotter..",
      "dev.lifeboat.replicator..", "dev.lifeboat.verifier..", "dev.lifeboat.commands"};
  private static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    // main classes only: neither test-classes directories nor test jars (a module's test support)
    ImportOption mainOnly = location -> !location.contains("/test-classes/") && !location.contains("-tests.jar");
    classes = new ClassFileImporter().withImportOption(mainOnly).importPackages("dev.lifeboat");
    for (String module : new String[] {"dev.lifeboat.runtime.Worker", "dev.lifeboat.repository.Repository",
        "dev.lifeboat.restore.RestoreEngine", "dev.lifeboat.watcher.Watcher", "dev.lifeboat.commands.CommandsPlugin",
        "dev.lifeboat.verifier.VerifierPlugin", "dev.lifeboat.cli.client.Connection", "dev.lifeboat.embedded.EmbeddedStack"}) {
      org.assertj.core.api.Assertions.assertThat(classes.contain(module)).as("%s is among the classes checked", module).isTrue();
    }
  }

  @Test
  void aWorkerDependsOnNoOtherWorker() {
    for (String worker : WORKERS) {
      String[] others = java.util.Arrays.stream(WORKERS).filter(w -> !w.equals(worker)).toArray(String[]::new);
      noClasses().that().resideInAPackage(worker).should().dependOnClassesThat().resideInAnyPackage(others)
          .because("workers talk through topics, never through each other").check(classes);
    }
  }

  @Test
  void productionCodeNeverDependsOnTheEmbeddedStack() {
    noClasses().that().resideOutsideOfPackages("dev.lifeboat.embedded..", "dev.lifeboat.cli..", "dev.lifeboat.bench..")
        .should().dependOnClassesThat().resideInAPackage("dev.lifeboat.embedded..")
        .because("the embedded stack (a Kafka broker, S3 servers, a mock API server) is for tests, the demo and benchmarks")
        .check(classes);
  }

  @Test
  void theCliTopicClientsImportNoWorkerCode() {
    noClasses().that().resideInAPackage("dev.lifeboat.cli.client..")
        .should().dependOnClassesThat().resideInAnyPackage(WORKERS)
        .orShould().dependOnClassesThat().resideInAPackage("dev.lifeboat.restore..")
        .because("the CLI's clients speak the topics' contract (schemas) only").check(classes);
  }

  @Test
  void theRuntimeKnowsNothingOfTheRepositoryTheRestoreEngineOrTheWorkers() {
    noClasses().that().resideInAnyPackage("dev.lifeboat.runtime..", "dev.lifeboat.config..", "dev.lifeboat.audit..",
            "dev.lifeboat.observe..", "dev.lifeboat.retry..", "dev.lifeboat.crypto..", "dev.lifeboat.kube..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.lifeboat.repository..", "dev.lifeboat.restore..")
        .orShould().dependOnClassesThat().resideInAnyPackage(WORKERS)
        .check(classes);
  }

  @Test
  void theRepositoryKnowsNothingOfRestoreOrTheWorkers() {
    noClasses().that().resideInAPackage("dev.lifeboat.repository..")
        .should().dependOnClassesThat().resideInAPackage("dev.lifeboat.restore..")
        .orShould().dependOnClassesThat().resideInAnyPackage(WORKERS)
        .check(classes);
  }

  @Test
  void theRestoreEngineKnowsNothingOfTheWorkers() {
    noClasses().that().resideInAPackage("dev.lifeboat.restore..")
        .should().dependOnClassesThat().resideInAnyPackage(WORKERS).check(classes);
  }
}
