package dev.lifeboat.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks an integration test that runs against the real embedded stack (Kafka, schema registry, two
 * S3 servers, etcd when installed, the local Kubernetes API). The stack starts once per test run and
 * is shared; a test method or constructor asks for it with a {@link TestStack} parameter.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(LifeboatStackExtension.class)
public @interface LifeboatIntegrationTest {}
