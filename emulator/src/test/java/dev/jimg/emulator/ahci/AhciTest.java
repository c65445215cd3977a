package dev.jimg.emulator.ahci;

import static dev.jimg.emulator.ahci.AhciDriver.DATA;
import static dev.jimg.emulator.ahci.AhciDriver.WAIT;
import static dev.jimg.emulator.ahci.AhciDriver.fis;
import static dev.jimg.emulator.ahci.AhciDriver.fpdma;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.ata.AtaDisk;
import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.pci.PciConfigSpace;
import dev.jimg.emulator.pci.PciTestMachine;
import dev.jimg.emulator.testutil.MemoryNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ICH9 AHCI controller under a scripted driver: identification, DMA and PIO commands with
 * scatter-gather, NCQ with 32 commands in flight, flush and TRIM reaching the block layer, and the
 * error and reset paths a guest rarely takes.
 */
class AhciTest {
    private static final int SLOT = 1;
    private static final int SECTORS = 2048;

    private final PciTestMachine machine = new PciTestMachine();
    private final MemoryNode disk = new MemoryNode(SECTORS * 512, false);
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private AhciDriver driver;

    @BeforeEach
    void plug() throws Exception {
        new Random(3).nextBytes(disk.data());
        AtaDisk ata = new AtaDisk(disk, "SN-1", "JIMG HARDDISK", false, warnings::add);
        machine.plug(SLOT, new AhciPci(Arrays.asList(ata, null), WorkTracker.NONE, warnings::add));
        driver = new AhciDriver(machine, SLOT);
        driver.start();
    }

    @Test
    void identifiesAsAnIch9AhciControllerWithSixPortsAndNcq() {
        assertEquals(0x2922_8086L, machine.config(SLOT, PciConfigSpace.VENDOR_ID, 4));
        assertEquals(0x0106_0102L, machine.config(SLOT, PciConfigSpace.REVISION_ID, 4));
        long cap = driver.hbaRead(0x00);
        assertEquals(5, cap & 0x1f, "six ports");
        assertEquals(31, (cap >>> 8) & 0x1f, "32 command slots");
        assertTrue((cap & (1L << 30)) != 0, "NCQ");
        assertTrue((cap & (1L << 31)) != 0, "64-bit addressing");
        assertEquals(0x3f, driver.hbaRead(0x0c));
        assertEquals(0x0001_0000L, driver.hbaRead(0x10));
        assertEquals(AhciPort.SSTS_ACTIVE, driver.read(0, AhciPort.SSTS));
        assertEquals(AhciPort.SIGNATURE_ATA, driver.read(0, AhciPort.SIG));
        assertEquals(0, driver.read(1, AhciPort.SSTS), "nothing on port 1");
        assertEquals(0x0100, machine.config(SLOT, AhciPci.PCS, 2), "PCS shows a device on port 0 only");
    }

    @Test
    void identifyDeviceCompletesThroughAPioSetupFisAndIntx() throws Exception {
        driver.prepare(0, fis(AtaDisk.IDENTIFY_DEVICE, 0, 0, 0), false, new long[] {DATA, 512});
        driver.issueAndWait(0, 1);

        byte[] id = driver.memory(DATA, 512);
        assertEquals(SECTORS, word(id, 100) | word(id, 101) << 16, "48-bit capacity");
        assertEquals(SECTORS, word(id, 60) | word(id, 61) << 16, "28-bit capacity");
        assertEquals(31, word(id, 75), "queue depth 32");
        assertTrue((word(id, 76) & 0x100) != 0, "NCQ");
        assertTrue((word(id, 169) & 1) != 0, "TRIM");
        assertEquals("JIMG HARDDISK", ataString(id, 27, 40));
        assertEquals("SN-1", ataString(id, 10, 20));
        assertEquals(512, driver.prdbc(0));
        byte[] pio = driver.fisArea(Fis.PIO_SETUP_OFFSET, 20);
        assertEquals(Fis.TYPE_PIO_SETUP, pio[0] & 0xff);
        assertEquals(0x50, pio[15] & 0xff, "E_Status: ready");
        assertTrue((driver.read(0, AhciPort.IS) & AhciPort.IS_PSS) != 0);
        assertEquals(1, driver.hbaRead(0x08), "HBA IS names port 0");
        assertTrue(machine.intx(SLOT));
        driver.write(0, AhciPort.IS, -1);
        assertFalse(machine.intx(SLOT), "clearing PxIS lowers INTx");
        assertEquals(0, driver.hbaRead(0x08));
    }

    @Test
    void dmaWriteAndReadMoveDataThroughScatteredPrdEntries() throws Exception {
        byte[] payload = new byte[4096];
        new Random(11).nextBytes(payload);
        long a = DATA;
        long b = DATA + 0x3000;
        long c = DATA + 0x8000;
        machine.bus().write(a, payload, 0, 1024);
        machine.bus().write(b, payload, 1024, 512);
        machine.bus().write(c, payload, 1536, 2560);
        driver.prepare(0, fis(AtaDisk.WRITE_DMA_EXT, 100, 8, 0), true, new long[] {a, 1024}, new long[] {b, 512},
                new long[] {c, 2560});
        driver.issueAndWait(0, 1);
        assertArrayEquals(payload, Arrays.copyOfRange(disk.data(), 100 * 512, 100 * 512 + 4096));
        assertEquals(4096, driver.prdbc(0));
        byte[] d2h = driver.fisArea(Fis.D2H_OFFSET, 20);
        assertEquals(Fis.TYPE_D2H, d2h[0] & 0xff);
        assertEquals(0x50, d2h[2] & 0xff);
        assertTrue((driver.read(0, AhciPort.IS) & AhciPort.IS_DHRS) != 0);

        driver.prepare(1, fis(AtaDisk.READ_DMA, 100, 8, 0), false, new long[] {DATA + 0x20000, 4096});
        driver.issueAndWait(0, 2);
        assertArrayEquals(payload, driver.memory(DATA + 0x20000, 4096), "28-bit READ DMA reads it back");
    }

    @Test
    void thirtyTwoQueuedCommandsRunConcurrentlyAndCompleteThroughSetDeviceBits() throws Exception {
        disk.hold();
        for (int tag = 0; tag < 32; tag++) {
            driver.prepare(tag, fpdma(false, tag * 8L, 8, tag), false, new long[] {DATA + tag * 0x1000L, 4096});
        }
        driver.issueQueued(0, -1);
        PciTestMachine.await("all 32 reads to reach the disk", WAIT, () -> disk.log.size() == 32);
        assertEquals(0, driver.read(0, AhciPort.CI), "queued commands leave PxCI when issued");
        assertEquals(-1, driver.read(0, AhciPort.SACT), "and stay in PxSACT while they run");

        disk.release();
        PciTestMachine.await("PxSACT to clear", WAIT, () -> driver.read(0, AhciPort.SACT) == 0);
        for (int tag = 0; tag < 32; tag++) {
            assertArrayEquals(Arrays.copyOfRange(disk.data(), tag * 4096, tag * 4096 + 4096),
                    driver.memory(DATA + tag * 0x1000L, 4096), "tag " + tag);
        }
        assertEquals(Fis.TYPE_SDB, driver.fisArea(Fis.SDB_OFFSET, 8)[0] & 0xff);
        assertTrue((driver.read(0, AhciPort.IS) & AhciPort.IS_SDBS) != 0);
        assertTrue(machine.intx(SLOT));
    }

    @Test
    void flushAndTrimReachTheBlockLayer() throws Exception {
        driver.prepare(0, fis(AtaDisk.FLUSH_CACHE_EXT, 0, 0, 0), false);
        driver.issueAndWait(0, 1);
        long ranges = DATA;
        machine.bus().write(ranges, 8, 10L | 4L << 48);
        machine.bus().write(ranges + 8, 8, 1000L | 24L << 48);
        for (int i = 2; i < 64; i++) {
            machine.bus().write(ranges + 8L * i, 8, 0);
        }
        driver.prepare(1, fis(AtaDisk.DATA_SET_MANAGEMENT, 0, 1, 1), true, new long[] {ranges, 512});
        driver.issueAndWait(0, 2);
        assertEquals(List.of("flush", "discard 5120 2048", "discard 512000 12288"), List.copyOf(disk.log));
    }

    @Test
    void aReadBeyondTheDiskFailsWithIdnfAndHaltsThePortUntilRestarted() throws Exception {
        driver.prepare(0, fis(AtaDisk.READ_DMA_EXT, SECTORS - 1, 2, 0), false, new long[] {DATA, 1024});
        driver.write(0, AhciPort.CI, 1);
        PciTestMachine.await("TFES", WAIT, () -> (driver.read(0, AhciPort.IS) & AhciPort.IS_TFES) != 0);
        int tfd = driver.read(0, AhciPort.TFD);
        assertEquals(0x51, tfd & 0xff, "status DRDY | DSC | ERR");
        assertEquals(0x10, tfd >>> 8, "error IDNF");
        assertEquals(1, driver.read(0, AhciPort.CI), "the failed command stays in PxCI");

        driver.prepare(1, fis(AtaDisk.READ_DMA_EXT, 0, 1, 0), false, new long[] {DATA, 512});
        driver.write(0, AhciPort.CI, 2);
        Thread.sleep(50);
        assertEquals(3, driver.read(0, AhciPort.CI), "a halted port starts nothing");

        driver.stopEngine(0);
        assertEquals(0, driver.read(0, AhciPort.CI), "clearing ST empties PxCI");
        driver.write(0, AhciPort.IS, -1);
        driver.write(0, AhciPort.CMD, driver.read(0, AhciPort.CMD) | AhciPort.CMD_ST);
        driver.issueAndWait(0, 2);
        assertEquals(0x50, driver.read(0, AhciPort.TFD));
    }

    @Test
    void aQueuedErrorIsDescribedInLogPage10h() throws Exception {
        driver.prepare(5, fpdma(false, SECTORS, 1, 5), false, new long[] {DATA, 512});
        driver.issueQueued(0, 1 << 5);
        PciTestMachine.await("TFES", WAIT, () -> (driver.read(0, AhciPort.IS) & AhciPort.IS_TFES) != 0);
        assertEquals(1 << 5, driver.read(0, AhciPort.SACT), "the failed tag stays in PxSACT");

        driver.stopEngine(0);
        driver.write(0, AhciPort.IS, -1);
        driver.write(0, AhciPort.CMD, driver.read(0, AhciPort.CMD) | AhciPort.CMD_ST);
        driver.prepare(0, fis(AtaDisk.READ_LOG_EXT, 0x10, 1, 0), false, new long[] {DATA + 0x1000, 512});
        driver.issueAndWait(0, 1);
        byte[] log = driver.memory(DATA + 0x1000, 512);
        assertEquals(5, log[0], "tag 5, NQ clear");
        assertEquals(0x51, log[2] & 0xff);
        assertEquals(0x10, log[3] & 0xff, "IDNF");
        assertEquals(SECTORS, (log[4] & 0xff) | (log[5] & 0xff) << 8);
        int sum = 0;
        for (byte x : log) {
            sum += x;
        }
        assertEquals(0, sum & 0xff, "the page checksums to zero");
    }

    @Test
    void comresetDuringOutstandingNcqAbandonsThemAndLaterWritesWaitForThem() throws Exception {
        byte[] old = new byte[4096];
        Arrays.fill(old, (byte) 0x11);
        byte[] fresh = new byte[4096];
        Arrays.fill(fresh, (byte) 0x22);
        machine.bus().write(DATA, old, 0, old.length);
        disk.hold();
        for (int tag = 0; tag < 4; tag++) {
            driver.prepare(tag, fpdma(true, 40, 8, tag), true, new long[] {DATA, 4096});
        }
        driver.issueQueued(0, 0xf);
        PciTestMachine.await("the writes to reach the disk", WAIT, () -> disk.log.size() == 4);

        driver.write(0, AhciPort.CMD, driver.read(0, AhciPort.CMD) & ~AhciPort.CMD_ST);
        assertEquals(0, driver.read(0, AhciPort.SACT), "clearing ST empties PxSACT");
        assertTrue((driver.read(0, AhciPort.CMD) & AhciPort.CMD_CR) != 0, "CR stays set while writes are in flight");
        driver.comreset(0);
        driver.write(0, AhciPort.SERR, -1);
        driver.write(0, AhciPort.IS, -1);
        driver.write(0, AhciPort.CMD, driver.read(0, AhciPort.CMD) | AhciPort.CMD_ST);

        machine.bus().write(DATA + 0x8000, fresh, 0, fresh.length);
        driver.prepare(7, fpdma(true, 40, 8, 7), true, new long[] {DATA + 0x8000, 4096});
        driver.issueQueued(0, 1 << 7);
        Thread.sleep(50);
        assertEquals(4, disk.log.size(), "the new write waits for the abandoned ones");

        disk.release();
        PciTestMachine.await("the new write", WAIT, () -> driver.read(0, AhciPort.SACT) == 0);
        assertArrayEquals(fresh, Arrays.copyOfRange(disk.data(), 40 * 512, 40 * 512 + 4096),
                "the newer write landed last");
        assertEquals(0, driver.read(0, AhciPort.IS) & AhciPort.IS_TFES);
        assertTrue(warnings.isEmpty(), warnings::toString);
    }

    @Test
    void aPrdEntryOutsideMemoryIsAHostBusFatalErrorAndTouchesNoData() throws Exception {
        driver.prepare(0, fis(AtaDisk.WRITE_DMA_EXT, 0, 1, 0), true, new long[] {0x2000_0000L, 512});
        driver.write(0, AhciPort.CI, 1);
        PciTestMachine.await("HBFS", WAIT, () -> (driver.read(0, AhciPort.IS) & AhciPort.IS_HBFS) != 0);
        assertEquals(1, driver.read(0, AhciPort.CI));
        assertEquals(List.of(), List.copyOf(disk.log), "nothing reached the disk");
        assertTrue(machine.intx(SLOT), "HBFS is enabled in PxIE");
        assertEquals(1, warnings.size(), warnings::toString);

        driver.stopEngine(0);
        driver.comreset(0);
        driver.startPort(0);
        driver.prepare(0, fis(AtaDisk.READ_DMA_EXT, 0, 1, 0), false, new long[] {DATA, 512});
        driver.issueAndWait(0, 1);
        assertArrayEquals(Arrays.copyOf(disk.data(), 512), driver.memory(DATA, 512), "the port works again");
    }

    @Test
    void aPrdTableShorterThanTheTransferIsAnOverflow() throws Exception {
        driver.prepare(0, fis(AtaDisk.READ_DMA_EXT, 0, 4, 0), false, new long[] {DATA, 1024});
        driver.write(0, AhciPort.CI, 1);
        PciTestMachine.await("OFS", WAIT, () -> (driver.read(0, AhciPort.IS) & AhciPort.IS_OFS) != 0);
        assertEquals(List.of(), List.copyOf(disk.log));
    }

    @Test
    void unsupportedCommandsAreAbortedAndSetFeaturesSticks() throws Exception {
        driver.prepare(0, fis(0xc6, 0, 16, 0), false);
        driver.write(0, AhciPort.CI, 1);
        PciTestMachine.await("TFES", WAIT, () -> (driver.read(0, AhciPort.IS) & AhciPort.IS_TFES) != 0);
        assertEquals(0x04, driver.read(0, AhciPort.TFD) >>> 8, "SET MULTIPLE MODE: ABRT");
        driver.stopEngine(0);
        driver.startPort(0);

        driver.prepare(0, fis(AtaDisk.SET_FEATURES, 0, 0x42, 0x03), false);
        driver.prepare(1, fis(AtaDisk.SET_FEATURES, 0, 0, 0x82), false);
        driver.prepare(2, fis(AtaDisk.IDENTIFY_DEVICE, 0, 0, 0), false, new long[] {DATA, 512});
        driver.issueAndWait(0, 7);
        byte[] id = driver.memory(DATA, 512);
        assertEquals(0x043f, word(id, 88), "UDMA 2 selected");
        assertEquals(0, word(id, 85) & 0x20, "write cache disabled");
    }

    @Test
    void hbaResetBringsEveryPortBackToPowerOn() throws Exception {
        driver.write(0, AhciPort.IE, 0x1);
        driver.hba(0x04, AhciHba.GHC_HR);
        assertEquals(AhciHba.GHC_AE & 0xffff_ffffL, driver.hbaRead(0x04), "HR self-clears, IE off, AE stays");
        assertEquals(0, driver.read(0, AhciPort.IE));
        assertEquals(AhciPort.CMD_SUD | AhciPort.CMD_POD, driver.read(0, AhciPort.CMD));
        assertEquals(AhciPort.SSTS_ACTIVE, driver.read(0, AhciPort.SSTS), "the link came back up");
        assertEquals(0x0150, driver.read(0, AhciPort.TFD));
    }

    private static int word(byte[] id, int w) {
        return (id[2 * w] & 0xff) | (id[2 * w + 1] & 0xff) << 8;
    }

    private static String ataString(byte[] id, int word, int length) {
        byte[] chars = new byte[length];
        for (int i = 0; i < length; i += 2) {
            chars[i] = id[2 * word + i + 1];
            chars[i + 1] = id[2 * word + i];
        }
        return new String(chars, StandardCharsets.US_ASCII).strip();
    }
}
