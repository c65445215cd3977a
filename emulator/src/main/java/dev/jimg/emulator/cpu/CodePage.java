package dev.jimg.emulator.cpu;

import dev.jimg.emulator.memory.RamRegion;

/**
 * A physical page the hart executes from: where its bytes are, and its decoded-instruction slots
 * (one op word per 2-byte parcel, 0 until decoded; see {@link RamRegion#decodedPage}).
 *
 * @param chunk  the region's array holding the page
 * @param base   the page's offset in {@code chunk}
 * @param slots  decoded ops, cleared in place when the page is written
 */
record CodePage(byte[] chunk, int base, long[] slots) {
}
