package dev.jimg.formats;

import dev.jimg.block.FormatRegistry;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.ProbeInput;
import dev.jimg.formats.container.CompressedDriver;
import dev.jimg.formats.container.OvaDriver;
import dev.jimg.formats.foreign.ForeignFormatDriver;
import dev.jimg.formats.qcow2.Qcow2Driver;
import dev.jimg.formats.raw.RawDriver;
import dev.jimg.formats.vdi.VdiDriver;
import dev.jimg.formats.vhdx.VhdxDriver;
import dev.jimg.formats.vmdk.VmdkDriver;
import dev.jimg.formats.vpc.VpcDriver;
import java.util.ArrayList;
import java.util.List;

/**
 * Every format driver jimg ships, as one registry. Probing is scored, so the order of this list
 * does not decide which driver wins.
 */
public final class Formats {
    private Formats() {
    }

    /** A registry of all drivers. */
    public static FormatRegistry registry() {
        List<FormatDriver> nonRaw = nonRawDrivers();
        List<FormatDriver> all = new ArrayList<>(nonRaw);
        all.add(new RawDriver(sector -> probesAsAnyOf(nonRaw, sector)));
        return new FormatRegistry(all);
    }

    private static List<FormatDriver> nonRawDrivers() {
        List<FormatDriver> drivers = new ArrayList<>(List.of(
                new Qcow2Driver(),
                new VdiDriver(),
                new VmdkDriver(),
                new VpcDriver(),
                new VhdxDriver(),
                new OvaDriver(Formats::registry),
                CompressedDriver.gzip(Formats::registry),
                CompressedDriver.xz(Formats::registry),
                CompressedDriver.zstd(Formats::registry)));
        // Recognised only, so that they are refused by name instead of probed as raw.
        drivers.addAll(ForeignFormatDriver.all());
        return List.copyOf(drivers);
    }

    private static boolean probesAsAnyOf(List<FormatDriver> drivers, byte[] sector) {
        ProbeInput input = new ProbeInput(sector, new byte[0], sector.length, "");
        for (FormatDriver d : drivers) {
            if (d.probe(input) > 1) {
                return true;
            }
        }
        return false;
    }
}
