package dev.jimg.emulator.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AddressSpaceTest {

    /** A device that remembers accesses and answers reads with a pattern derived from the offset. */
    static final class Recorder implements MmioOps {
        final List<String> log = new ArrayList<>();
        final AccessRules rules;

        Recorder(AccessRules rules) {
            this.rules = rules;
        }

        @Override
        public long read(long offset, int size) {
            log.add("r" + size + "@" + offset);
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= (long) ((offset + i) & 0xff) << (8 * i);
            }
            return v;
        }

        @Override
        public void write(long offset, long value, int size) {
            log.add("w" + size + "@" + offset + "=" + Long.toHexString(value));
        }

        @Override
        public AccessRules rules() {
            return rules;
        }
    }

    @Test
    void higherPriorityRegionHidesTheOneBelow() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        RamRegion low = RamRegion.ram("low", 0x2000);
        RamRegion high = RamRegion.ram("high", 0x1000);
        root.addSubregion(0, low, 0);
        root.addSubregion(0x800, high, 1);
        AddressSpace as = new AddressSpace("test", root);
        as.write(0x900, 1, 0xaa);
        assertEquals(0xaa, high.read(0x100, 1));
        assertEquals(0, low.read(0x900, 1));
        assertSame(low, as.find(0x7ff).leaf());
        assertSame(high, as.find(0x800).leaf());
        assertSame(high, as.find(0x17ff).leaf());
        assertSame(low, as.find(0x1800).leaf());
        assertEquals(0x1800, as.find(0x1800).offsetOf(0x1800));
    }

    @Test
    void aRangeIsMappedOnlyIfNoByteOfItFallsInAHole() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        root.addSubregion(0, RamRegion.ram("a", 0x1000));
        root.addSubregion(0x1000, RamRegion.ram("b", 0x1000));
        root.addSubregion(0x3000, RamRegion.ram("c", 0x1000));
        AddressSpace as = new AddressSpace("test", root);
        assertTrue(as.mapped(0xff0, 0x20), "across two adjacent regions");
        assertTrue(as.mapped(0x1fff, 0), "an empty range");
        assertFalse(as.mapped(0x1ff0, 0x20), "into the hole at 0x2000");
        assertFalse(as.mapped(0x2fff, 2), "starting in the hole");
        assertTrue(as.mapped(0x3000, 0x1000));
    }

    @Test
    void amongEqualPrioritiesTheRegionAddedLastIsVisible() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        RamRegion first = RamRegion.ram("first", 0x1000);
        RamRegion second = RamRegion.ram("second", 0x1000);
        root.addSubregion(0, first);
        root.addSubregion(0, second);
        assertSame(second, new AddressSpace("test", root).find(0x10).leaf());
    }

    @Test
    void aliasShowsPartOfItsTargetAtAnotherAddress() {
        ContainerRegion root = new ContainerRegion("root", 0x100000);
        RamRegion ram = RamRegion.ram("ram", 0x4000);
        root.addSubregion(0x10000, ram);
        root.addSubregion(0x80000, new AliasRegion("window", ram, 0x2000, 0x1000));
        AddressSpace as = new AddressSpace("test", root);
        as.write(0x80010, 4, 0x12345678);
        assertEquals(0x12345678, ram.read(0x2010, 4));
        assertEquals(0x12345678, as.read(0x12010, 4));
        assertNull(as.find(0x81000));
    }

    @Test
    void aliasOfAContainerShowsRegionsAddedToItLater() {
        ContainerRegion root = new ContainerRegion("root", 0x100000);
        ContainerRegion busSpace = new ContainerRegion("bus-space", 0x100000);
        root.addSubregion(0x40000, new AliasRegion("window", busSpace, 0x40000, 0x10000));
        AddressSpace as = new AddressSpace("test", root);
        AtomicInteger changes = new AtomicInteger();
        as.addLayoutListener(changes::incrementAndGet);
        assertNull(as.find(0x41000));

        RamRegion bar = RamRegion.ram("bar", 0x1000);
        busSpace.addSubregion(0x41000, bar);
        as.write(0x41008, 4, 0xcafe);
        assertEquals(0xcafe, bar.read(8, 4));
        bar.setAddress(0x42000);
        assertSame(bar, as.find(0x42000).leaf());
        assertNull(as.find(0x41000));
        bar.setEnabled(false);
        assertNull(as.find(0x42000));
        assertEquals(3, changes.get(), "each change of the aliased container re-rendered the space");
    }

    @Test
    void nestedContainersAndDisabledRegionsRenderCorrectly() {
        ContainerRegion root = new ContainerRegion("root", 0x100000);
        ContainerRegion bus = new ContainerRegion("bus", 0x10000);
        RamRegion a = RamRegion.ram("a", 0x1000);
        RamRegion b = RamRegion.ram("b", 0x1000);
        bus.addSubregion(0x1000, a);
        bus.addSubregion(0x3000, b);
        root.addSubregion(0x20000, bus);
        AddressSpace as = new AddressSpace("test", root);
        assertSame(a, as.find(0x21000).leaf());
        assertSame(b, as.find(0x23fff).leaf());
        AtomicInteger changes = new AtomicInteger();
        as.addLayoutListener(changes::incrementAndGet);
        b.setEnabled(false);
        assertNull(as.find(0x23000));
        a.setAddress(0x5000);
        assertSame(a, as.find(0x25000).leaf());
        assertNull(as.find(0x21000));
        assertEquals(2, changes.get());
    }

    @Test
    void readingWhereNothingIsMappedIsABusError() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        AddressSpace as = new AddressSpace("test", root);
        BusErrorException e = assertThrows(BusErrorException.class, () -> as.read(0x1234, 4));
        assertEquals(0x1234, e.address());
        assertTrue(e.getMessage().contains("0x1234"), e.getMessage());
    }

    @Test
    void accessSizesOutsideTheValidRangeAreBusErrors() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        Recorder dev = new Recorder(AccessRules.sizes(4, 4));
        root.addSubregion(0x100, new MmioRegion("dev", 0x100, dev));
        AddressSpace as = new AddressSpace("test", root);
        assertThrows(BusErrorException.class, () -> as.read(0x100, 1));
        assertThrows(BusErrorException.class, () -> as.read(0x100, 8));
        assertThrows(BusErrorException.class, () -> as.read(0x102, 4));
        assertEquals(0x07060504L, as.read(0x104, 4));
        assertEquals(List.of("r4@4"), dev.log);
    }

    @Test
    void wideAccessesAreSplitIntoImplementedSizes() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        Recorder dev = new Recorder(AccessRules.adapted(1, 8, 4, 4));
        root.addSubregion(0, new MmioRegion("dev", 0x100, dev));
        AddressSpace as = new AddressSpace("test", root);
        assertEquals(0x0f0e0d0c0b0a0908L, as.read(0x8, 8));
        as.write(0x10, 8, 0x1122334455667788L);
        assertEquals(List.of("r4@8", "r4@12", "w4@16=55667788", "w4@20=11223344"), dev.log);
    }

    @Test
    void narrowAccessesAreWidenedToTheImplementedSize() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        Recorder dev = new Recorder(AccessRules.adapted(1, 4, 4, 4));
        root.addSubregion(0, new MmioRegion("dev", 0x100, dev));
        AddressSpace as = new AddressSpace("test", root);
        assertEquals(0x0a, as.read(0xa, 1));
        assertEquals(0x0b0a, as.read(0xa, 2));
        as.write(0x13, 1, 0xee);
        assertEquals(List.of("r4@8", "r4@8", "w4@16=ee000000"), dev.log);
    }

    @Test
    void bigEndianDevicesSeeValuesByteSwapped() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        Recorder dev = new Recorder(AccessRules.sizes(4, 4).withEndianness(Endianness.BIG));
        root.addSubregion(0, new MmioRegion("dev", 0x100, dev));
        AddressSpace as = new AddressSpace("test", root);
        as.write(0x20, 4, 0x11223344);
        assertEquals(0x20212223L, as.read(0x20, 4));
        assertEquals(List.of("w4@32=44332211", "r4@32"), dev.log);
    }

    @Test
    void dmaCopiesAcrossAdjacentRegions() {
        ContainerRegion root = new ContainerRegion("root", 0x10000);
        RamRegion a = RamRegion.ram("a", 0x1000);
        RamRegion b = RamRegion.ram("b", 0x1000);
        root.addSubregion(0x1000, a);
        root.addSubregion(0x2000, b);
        AddressSpace as = new AddressSpace("test", root);
        byte[] data = {1, 2, 3, 4, 5, 6};
        as.write(0x1ffd, data, 0, data.length);
        byte[] back = new byte[6];
        as.read(0x1ffd, back, 0, 6);
        assertArrayEquals(data, back);
        assertEquals(3, a.read(0xfff, 1));
        assertEquals(4, b.read(0, 1));
        assertNull(as.ramBuffer(0x1ffd, 6));
        assertEquals(16, as.ramBuffer(0x2000, 16).remaining());
    }

    @Test
    void romIgnoresWritesButCanBeLoaded() {
        RamRegion rom = RamRegion.rom("rom", 0x1000);
        rom.load(0x10, new byte[] {0x55});
        rom.write(0x10, 1, 0xaa);
        assertEquals(0x55, rom.read(0x10, 1));
    }

    @Test
    void writingACodePageClearsItsDecodedSlotsInPlace() {
        RamRegion ram = RamRegion.ram("ram", 0x3000);
        long[] slots = ram.decodedPage(1);
        slots[5] = 42;
        assertTrue(ram.markCode(1));
        ram.write(0x1008, 4, 0);
        assertEquals(0, slots[5]);
        assertTrue(!ram.isCode(1));
        assertSame(slots, ram.decodedPage(1));
    }

    @Test
    void fenceIClearsPagesWrittenSinceTheLastOne() {
        RamRegion ram = RamRegion.ram("ram", 0x3000);
        long[] slots = ram.decodedPage(2);
        ram.markCode(2);
        ram.noteWrite(0x2000, 4);
        // A decode that raced with the write stored a stale op after the write cleared the page.
        slots[0] = 7;
        ram.markCode(2);
        ram.revalidateCode();
        assertEquals(0, slots[0]);
    }

    @Test
    void ramIsAllocatedLazilyInChunksAndAccessesMayStraddleThem() {
        long boundary = RamRegion.CHUNK_SIZE;
        RamRegion ram = RamRegion.ram("ram", 4L * RamRegion.CHUNK_SIZE);
        assertEquals(0, ram.read(3 * boundary + 8, 8), "never-written memory reads as zero");
        ram.write(boundary - 3, 8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, ram.read(boundary - 3, 8));
        assertEquals(0x55, ram.read(boundary, 1));
        assertNull(ram.buffer(boundary - 16, 32), "no single array holds a straddling range");
        assertEquals(16, ram.buffer(boundary, 16).remaining());
        byte[] bulk = new byte[3 * RamRegion.CHUNK_SIZE];
        bulk[bulk.length - 1] = 9;
        ram.write(100, bulk, 0, bulk.length);
        byte[] back = new byte[bulk.length];
        ram.read(100, back, 0, back.length);
        assertArrayEquals(bulk, back);
    }
}
