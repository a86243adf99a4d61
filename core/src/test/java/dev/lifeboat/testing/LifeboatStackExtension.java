package dev.lifeboat.testing;

import dev.lifeboat.embedded.EmbeddedStack;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the embedded stack the first time a test asks for it and stops it when the whole test run
 * ends (it lives in the root store), so every integration test class shares one stack.
 */
public final class LifeboatStackExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LifeboatStackExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestStack.class || type == EmbeddedStack.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    TestStack stack = shared(context);
    return parameter.getParameter().getType() == EmbeddedStack.class ? stack.stack() : stack;
  }

  /** The run-wide stack, started on first use. */
  public static TestStack shared(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("stack", key -> TestStack.start(), TestStack.class);
  }
}
