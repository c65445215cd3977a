package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The zero-skipping scan of check's L2 walks against a plain one. */
class Qcow2CheckScanTest {
    @Test
    void nextInUseVisitsExactlyTheEntriesWithAnyBitSet() {
        Random random = new Random(7);
        for (int stride = 1; stride <= 2; stride++) {
            for (int round = 0; round < 500; round++) {
                int entries = 1 + random.nextInt(70);
                long[] words = new long[entries * stride];
                int used = random.nextInt(5);
                for (int k = 0; k < used; k++) {
                    // Either word of an extended entry may be the only one set.
                    words[random.nextInt(entries) * stride + random.nextInt(stride)] = 1L << random.nextInt(64);
                }
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < entries; i++) {
                    boolean inUse = words[i * stride] != 0 || (stride == 2 && words[i * stride + 1] != 0);
                    if (inUse) {
                        expected.add(i);
                    }
                }
                List<Integer> visited = new ArrayList<>();
                for (int i = Qcow2Check.nextInUse(words, 0, stride, entries); i < entries;
                        i = Qcow2Check.nextInUse(words, i + 1, stride, entries)) {
                    visited.add(i);
                }
                assertEquals(expected, visited, "stride " + stride + ", round " + round);
            }
        }
    }
}
