package dev.lifeboat.commands;

import java.util.concurrent.CompletableFuture;

/**
 * The work of one accepted command. It returns at once with a future: blocking work goes to {@link
 * Execution#runBlocking}, waiting work (a snapshot, a verification) completes the future when the
 * awaited event arrives, so that waiting takes no thread.
 */
@FunctionalInterface
interface CommandJob {
  CompletableFuture<CommandOutcome> start(Execution execution) throws Exception;
}
