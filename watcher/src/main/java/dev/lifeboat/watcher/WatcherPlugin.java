package dev.lifeboat.watcher;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.lease.SingletonDuty;
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
    // One watcher per cluster: two would publish every change twice. Behind a lease when leaderElection is on,
    // so a second replica stands by and takes over (reloading what was published) when the holder goes.
    return SingletonDuty.start("lifeboat-watcher", context, () -> start(context, settings(context)));
  }

  private static AutoCloseable start(ProcessContext context, WatcherConfig settings) {
    var runtime = context.runtime();
    Watcher watcher = Watcher.start(context.kubernetes().get(), settings, context.config().encryption(),
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
