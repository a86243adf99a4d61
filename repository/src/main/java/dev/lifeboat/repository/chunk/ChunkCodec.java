package dev.lifeboat.repository.chunk;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a chunk is named and stored. Its id is HMAC-SHA256 of the plaintext under the repository's id
 * key (hex). The stored form is: one format byte (0 = stored as is, 1 = zstd), a 12-byte nonce, then
 * AES-256-GCM of the (compressed) plaintext, authenticated with the format byte and the id, so a
 * chunk cannot be swapped for another. Reading checks the authentication tag and then the id.
 * Incompressible data is stored as is, to avoid paying for compression that saves nothing.
 */
public final class ChunkCodec {
  private static final byte RAW = 0;
  private static final byte ZSTD = 1;
  private static final int NONCE = 12;
  /**
   * Large inputs are fed to the MAC and the cipher in slices of this size. The JDK's AES-GCM and
   * SHA-256 run at hardware speed only once the JIT has compiled their callers, which takes thousands
   * of calls: one call per megabyte chunk left them interpreted for the first gigabyte or so (measured
   * on Java 17: ~50 MB/s instead of 1.5–3 GB/s); slices get them compiled within the first few
   * megabytes and cost nothing after.
   */
  public static final int SLICE = 4 * 1024;
  /**
   * Chunks up to this size are compressed into a buffer each thread keeps (larger ones into a new
   * array), so that sealing a chunk does not allocate and zero a compression-sized array each time.
   */
  private static final int KEPT_BUFFER = 2 << 20;

  private final SecretKeySpec idKey;
  private final SecretKeySpec encryptionKey;
  private final int level;
  private final SecureRandom random = new SecureRandom();
  /**
   * What each thread reuses from one chunk to the next: zstd's contexts (a new one per chunk cost
   * its tables' allocation and zeroing every time), the compression buffer and the cipher. Threads
   * seal and open side by side; each uses only its own.
   */
  private final ThreadLocal<PerThread> perThread;

  private final class PerThread {
    final ZstdCompressCtx compress = new ZstdCompressCtx().setLevel(level);
    final ZstdDecompressCtx decompress = new ZstdDecompressCtx();
    final byte[] compressed = new byte[(int) Zstd.compressBound(KEPT_BUFFER)];
    final Cipher cipher = newCipher();
  }

  /** @param level zstd level (1 is fast; 3 is zstd's default) */
  public ChunkCodec(RepositoryKeys keys, int level) {
    this.idKey = new SecretKeySpec(keys.idKey(), "HmacSHA256");
    this.encryptionKey = new SecretKeySpec(keys.encryptionKey(), "AES");
    this.level = level;
    this.perThread = ThreadLocal.withInitial(PerThread::new);
  }

  private static Cipher newCipher() {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public String id(byte[] plaintext) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(idKey);
      for (int off = 0; off < plaintext.length; off += SLICE) {
        mac.update(plaintext, off, Math.min(SLICE, plaintext.length - off));
      }
      return HexFormat.of().formatHex(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public byte[] seal(String id, byte[] plaintext) {
    PerThread mine = perThread.get();
    byte[] compressed = plaintext.length <= KEPT_BUFFER ? mine.compressed
        : new byte[(int) Zstd.compressBound(plaintext.length)];
    int compressedLength = mine.compress.compressByteArray(compressed, 0, compressed.length, plaintext, 0,
        plaintext.length);
    boolean useCompressed = compressedLength < plaintext.length - plaintext.length / 64;
    byte format = useCompressed ? ZSTD : RAW;
    byte[] body = useCompressed ? compressed : plaintext;
    int bodyLength = useCompressed ? compressedLength : plaintext.length;
    try {
      byte[] nonce = new byte[NONCE];
      random.nextBytes(nonce);
      Cipher cipher = mine.cipher;
      cipher.init(Cipher.ENCRYPT_MODE, encryptionKey, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(aad(format, id));
      byte[] out = new byte[1 + NONCE + cipher.getOutputSize(bodyLength)];
      out[0] = format;
      System.arraycopy(nonce, 0, out, 1, NONCE);
      int written = 1 + NONCE;
      for (int off = 0; off < bodyLength; off += SLICE) {
        written += cipher.update(body, off, Math.min(SLICE, bodyLength - off), out, written);
      }
      cipher.doFinal(out, written);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The plaintext of a stored chunk; {@link ChunkCorruptedException} naming the chunk if anything is wrong. */
  public byte[] open(String id, byte[] stored) {
    byte[] plaintext = openSealed(id, stored);
    if (!MessageDigest.isEqual(id.getBytes(StandardCharsets.US_ASCII), id(plaintext).getBytes(StandardCharsets.US_ASCII))) {
      throw new ChunkCorruptedException(id, "content does not hash to the chunk id", null);
    }
    return plaintext;
  }

  /**
   * The plaintext of anything sealed with {@link #seal} under {@code label} (a manifest sealed under
   * its key): authenticated, but not expected to hash to the label.
   */
  public byte[] openSealed(String id, byte[] stored) {
    if (stored.length < 1 + NONCE + 16 || (stored[0] != RAW && stored[0] != ZSTD)) {
      throw new ChunkCorruptedException(id, "not a Lifeboat chunk (" + stored.length + " bytes)", null);
    }
    PerThread mine = perThread.get();
    byte[] body;
    try {
      Cipher cipher = mine.cipher;
      cipher.init(Cipher.DECRYPT_MODE, encryptionKey, new GCMParameterSpec(128, stored, 1, NONCE));
      cipher.updateAAD(aad(stored[0], id));
      body = cipher.doFinal(stored, 1 + NONCE, stored.length - 1 - NONCE);
    } catch (AEADBadTagException e) {
      throw new ChunkCorruptedException(id, "authentication failed (altered, truncated, or another chunk's bytes)", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    byte[] plaintext;
    if (stored[0] == ZSTD) {
      long size = Zstd.getFrameContentSize(body);
      if (size < 0 || size > Integer.MAX_VALUE) {
        throw new ChunkCorruptedException(id, "compressed frame has no usable size", null);
      }
      plaintext = new byte[(int) size];
      int length;
      try {
        length = mine.decompress.decompressByteArray(plaintext, 0, plaintext.length, body, 0, body.length);
      } catch (RuntimeException e) { // zstd-jni's ZstdException: a frame that authenticated but does not decompress
        throw new ChunkCorruptedException(id, "compressed frame does not decompress: " + e.getMessage(), e);
      }
      if (length != plaintext.length) {
        throw new ChunkCorruptedException(id, "compressed frame holds " + length + " bytes, not the " + size + " it says",
            null);
      }
    } else {
      plaintext = body;
    }
    return plaintext;
  }

  private static byte[] aad(byte format, String id) {
    byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(1 + idBytes.length).put(format).put(idBytes).array();
  }
}
