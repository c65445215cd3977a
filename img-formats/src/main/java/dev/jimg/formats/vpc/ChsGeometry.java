package dev.jimg.formats.vpc;

/**
 * A VHD disk geometry: cylinders, heads and sectors per track, as the footer stores it. Virtual
 * PC sizes a disk by its geometry rather than by the footer's current size, so the geometry a
 * writer chooses decides the size that Virtual PC (and QEMU, for images it wrote itself) sees.
 *
 * <p>The algorithm is the one in the VHD specification, appendix "CHS Calculation", with QEMU's
 * extension of 255 sectors per track beyond 127 GiB.
 */
record ChsGeometry(int cylinders, int heads, int sectorsPerTrack) {
    /** The largest geometry; a disk with it is sized by its current size instead (QEMU's rule). */
    static final ChsGeometry MAX = new ChsGeometry(65535, 16, 255);
    /** The largest sector count a geometry can express. */
    static final long MAX_SECTORS = MAX.totalSectors();

    ChsGeometry {
        if (cylinders < 0 || cylinders > 0xFFFF || heads < 0 || heads > 0xFF || sectorsPerTrack < 0
                || sectorsPerTrack > 0xFF) {
            throw new IllegalArgumentException("geometry out of range: " + cylinders + "/" + heads + "/"
                    + sectorsPerTrack);
        }
    }

    long totalSectors() {
        return (long) cylinders * heads * sectorsPerTrack;
    }

    /** The geometry the specification assigns to {@code totalSectors}; may round the size down. */
    static ChsGeometry forSectors(long totalSectors) {
        long sectors = Math.min(totalSectors, MAX_SECTORS);
        int spt;
        int heads;
        long cylTimesHeads;
        if (sectors >= 65535L * 16 * 63) {
            spt = 255;
            heads = 16;
            cylTimesHeads = sectors / spt;
        } else {
            spt = 17;
            cylTimesHeads = sectors / spt;
            heads = (int) Math.max(4, (cylTimesHeads + 1023) / 1024);
            if (cylTimesHeads >= heads * 1024L || heads > 16) {
                spt = 31;
                heads = 16;
                cylTimesHeads = sectors / spt;
            }
            if (cylTimesHeads >= heads * 1024L) {
                spt = 63;
                heads = 16;
                cylTimesHeads = sectors / spt;
            }
        }
        return new ChsGeometry((int) Math.min(0xFFFF, cylTimesHeads / heads), heads, spt);
    }

    /**
     * The smallest geometry holding at least {@code totalSectors} sectors, found as QEMU finds it:
     * by asking for one more sector until the rounded-down geometry is large enough. Sizes beyond
     * what a geometry expresses get {@link #MAX}.
     */
    static ChsGeometry coveringSectors(long totalSectors) {
        long wanted = Math.min(totalSectors, MAX_SECTORS);
        ChsGeometry g = new ChsGeometry(0, 0, 0);
        for (long i = 0; wanted > g.totalSectors(); i++) {
            g = forSectors(wanted + i);
        }
        return g;
    }
}
