package dev.lifeboat.embedded.apiserver;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The registry in etcd, as a real API server keeps it: one key per object under {@code
 * /registry/}, the object's resourceVersion being the key's modification revision. Conditional
 * writes are etcd transactions comparing the key's create or modification revision, as the API
 * server's own storage layer does. Values are JSON (a real API server writes protobuf for built-in
 * kinds and JSON for custom resources).
 *
 * <p>jetcd is used rather than etcd's JSON gateway: it is already pinned for the snapshotter, and
 * its watch streams revisions with previous values and reports a compacted revision as an error.
 */
public final class EtcdRegistryStore implements RegistryStore {

  static final String ROOT = "/registry/";
  private static final long TIMEOUT_SECONDS = 15;

  private final Client client;
  private final List<String> endpoints;

  private EtcdRegistryStore(Client client, List<String> endpoints) {
    this.client = client;
    this.endpoints = List.copyOf(endpoints);
  }

  /** Connects to etcd at {@code endpoints} and checks that it answers. */
  public static EtcdRegistryStore connect(List<String> endpoints) {
    Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
    EtcdRegistryStore store = new EtcdRegistryStore(client, endpoints);
    try {
      store.revision();
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    return store;
  }

  @Override
  public Optional<Entry> get(String key) {
    GetResponse response = await(client.getKVClient().get(bytes(key)), "read " + key);
    return response.getKvs().stream().findFirst().map(EtcdRegistryStore::entry);
  }

  @Override
  public Page list(String prefix, String startAfter, int limit) {
    ByteSequence from = bytes(startAfter == null ? prefix : startAfter + "\0");
    GetOption.Builder option = GetOption.builder().withRange(bytes(rangeEnd(prefix)));
    if (limit > 0) {
      option.withLimit(limit);
    }
    GetResponse response = await(client.getKVClient().get(from, option.build()), "list " + prefix);
    List<Entry> entries = new ArrayList<>(response.getKvs().size());
    response.getKvs().forEach(kv -> entries.add(entry(kv)));
    return new Page(entries, response.getHeader().getRevision(), response.isMore());
  }

  @Override
  public Write create(String key, byte[] value) {
    ByteSequence k = bytes(key);
    return conditional(key, new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
        Op.put(k, ByteSequence.from(value), PutOption.DEFAULT));
  }

  @Override
  public Write update(String key, byte[] value, long modRevision) {
    ByteSequence k = bytes(key);
    return conditional(key, new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)),
        Op.put(k, ByteSequence.from(value), PutOption.DEFAULT));
  }

  @Override
  public Write delete(String key, long modRevision) {
    ByteSequence k = bytes(key);
    return conditional(key, new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)),
        Op.delete(k, DeleteOption.DEFAULT));
  }

  @Override
  public long revision() {
    GetResponse response =
        await(client.getKVClient().get(bytes(ROOT), GetOption.builder().withCountOnly(true).build()),
            "read the revision");
    return response.getHeader().getRevision();
  }

  @Override
  public Subscription watch(long revision, ChangeListener listener) {
    AtomicBoolean ended = new AtomicBoolean();
    WatchOption option =
        WatchOption.builder().isPrefix(true).withRevision(revision + 1).withPrevKV(true).build();
    io.etcd.jetcd.Watch.Watcher watcher =
        client.getWatchClient().watch(bytes(ROOT), option, io.etcd.jetcd.Watch.listener(
            response -> {
              for (WatchEvent event : response.getEvents()) {
                if (!ended.get()) {
                  listener.changed(change(event));
                }
              }
            },
            failure -> {
              if (ended.compareAndSet(false, true)) {
                listener.failed(failure);
              }
            },
            () -> {
              if (ended.compareAndSet(false, true)) {
                listener.failed(new IllegalStateException("the etcd watch ended"));
              }
            }));
    return () -> {
      ended.set(true);
      watcher.close();
    };
  }

  @Override
  public String describe() {
    return "etcd " + String.join(",", endpoints);
  }

  @Override
  public void close() {
    client.close();
  }

  private Write conditional(String key, Cmp condition, Op write) {
    TxnResponse response = await(client.getKVClient().txn()
        .If(condition)
        .Then(write)
        .Else(Op.get(bytes(key), GetOption.DEFAULT))
        .commit(), "write " + key);
    long revision = response.getHeader().getRevision();
    if (response.isSucceeded()) {
      return new Write(true, revision, null);
    }
    Entry current = response.getGetResponses().stream()
        .flatMap(r -> r.getKvs().stream())
        .findFirst()
        .map(EtcdRegistryStore::entry)
        .orElse(null);
    return new Write(false, revision, current);
  }

  private static Change change(WatchEvent event) {
    KeyValue kv = event.getKeyValue();
    KeyValue prev = event.getPrevKV();
    Entry previous = prev == null || prev.getKey().isEmpty() ? null : entry(prev);
    String key = kv.getKey().toString(StandardCharsets.UTF_8);
    byte[] value = event.getEventType() == WatchEvent.EventType.DELETE ? null : kv.getValue().getBytes();
    return new Change(kv.getModRevision(), key, value, previous);
  }

  private static Entry entry(KeyValue kv) {
    return new Entry(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
        kv.getCreateRevision(), kv.getModRevision());
  }

  /** The first key after every key that starts with {@code prefix}. */
  private static String rangeEnd(String prefix) {
    char last = prefix.charAt(prefix.length() - 1);
    return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted: cannot " + what + " in " + describe(), e);
    } catch (ExecutionException e) {
      throw new StoreUnavailableException(
          "cannot " + what + " in " + describe() + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new StoreUnavailableException(
          "cannot " + what + " in " + describe() + ": no answer in " + TIMEOUT_SECONDS + " s", e);
    }
  }
}
