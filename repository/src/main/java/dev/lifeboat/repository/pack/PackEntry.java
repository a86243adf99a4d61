package dev.lifeboat.repository.pack;

/**
 * Where one chunk lies in a pack.
 *
 * @param id the chunk id (hex)
 * @param offset of its sealed bytes in the pack
 * @param length of its sealed bytes
 * @param size of its plaintext
 */
public record PackEntry(String id, int offset, int length, int size) {}
