package dev.lifeboat.watcher;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.WorkerPlugin;

/** Joins the watcher to a Lifeboat process when the {@code watcher} section enables it (the default). */
public final class WatcherPlugin implements WorkerPlugin {

  @Override
  public String name() {
    return "watcher";
  }

  @Override
  public java.util.List<dev.lifeboat.config.ConfigSection<?>> configSections() {
    return java.util.List.of(WatcherConfig.SECTION);
  }

  @Override
  public AutoCloseable start(ProcessContext context) {
    if (!context.config().section(WatcherConfig.SECTION).enabled()) {
      return () -> {};
    }
    var runtime = context.runtime();
    Watcher watcher = Watcher.start(context.kubernetes().get(), context.config().section(WatcherConfig.SECTION), context.config().encryption(),
        new Watcher.Services(runtime.context().kafka(), runtime.context().registry(), context.events(), context.meters(),
            context.health(), runtime.audit(), context.events().clock()));
    runtime.audit().component(AuditActions.START, "watcher", AuditOutcome.INFO)
        .detail("kinds", watcher.resources().kinds().size()).publish();
    return () -> {
      watcher.close();
      runtime.audit().component(AuditActions.STOP, "watcher", AuditOutcome.INFO).publish();
    };
  }
}
