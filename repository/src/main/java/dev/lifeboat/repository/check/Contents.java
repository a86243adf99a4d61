package dev.lifeboat.repository.check;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a manifest names as content: its streams and its files' contents, each with its chunks and SHA-256. */
record Contents(long size, String sha256, List<ChunkRef> chunks) {

  /** By a name a person recognises: "stream etcd.db", "file data/pg/base/1". */
  static Map<String, Contents> of(Manifest manifest) {
    Map<String, Contents> all = new LinkedHashMap<>();
    if (manifest.streams() != null) {
      for (Manifest.Stream s : manifest.streams()) {
        all.put("stream " + s.name(), new Contents(s.size(), s.sha256(), s.chunks() == null ? List.of() : s.chunks()));
      }
    }
    if (manifest.files() != null) {
      for (Manifest.FileEntry f : manifest.files()) {
        if (f.chunks() != null) {
          all.put("file " + f.path(), new Contents(f.size(), f.sha256(), f.chunks()));
        }
      }
    }
    return all;
  }
}
