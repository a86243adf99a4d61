package dev.lifeboat.bench;

/**
 * CPU seconds (user + system) one side of a comparison used in each round, split between its client
 * (this JVM, or a peer tool run as a command) and the S3 server process both sides talk to: on a
 * machine of two cores, where the server competes with the client, it shows which of them a side's
 * time went to.
 */
final class ClientServerCpu {
  /** Work to measure. */
  interface Work {
    void run() throws Exception;
  }

  private final Samples client;
  private final Samples server;

  ClientServerCpu(String name) {
    this.client = new Samples(name + " client CPU");
    this.server = new Samples(name + " server CPU");
  }

  /**
   * Runs {@code work}, counting the CPU of this JVM ({@code command} false) or of the commands it ran
   * and waited for ({@code command} true), and of the server.
   */
  void measure(long serverPid, boolean command, Work work) throws Exception {
    double client0 = command ? ProcessCpu.waitedForChildren() : ProcessCpu.self();
    double server0 = ProcessCpu.of(serverPid);
    work.run();
    client.add((command ? ProcessCpu.waitedForChildren() : ProcessCpu.self()) - client0);
    server.add(ProcessCpu.of(serverPid) - server0);
  }

  /** {@code client / server}, medians of the rounds. */
  String medians() {
    return String.format("%.1f s / %.1f s", client.median(), server.median());
  }
}
