package dev.lifeboat.watcher;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.SectionPlugin;

/** Joins the watcher to a Lifeboat process when the {@code watcher} section enables it (the default). */
public final class WatcherPlugin extends SectionPlugin<WatcherConfig> {

  public WatcherPlugin() {
    super("watcher", WatcherConfig.SECTION);
  }

  @Override
  public AutoCloseable start(ProcessContext context) {
    if (!settings(context).enabled()) {
      return () -> {};
    }
    var runtime = context.runtime();
    Watcher watcher = Watcher.start(context.kubernetes().get(), settings(context), context.config().encryption(),
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
