package dev.jimg.formats.vpc;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.OpenContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Opening a VHD: finds the footer, applies the virtual size rule, and for dynamic and
 * differencing disks validates the dynamic header and loads the BAT, in QEMU's order of checks
 * so that a damaged image fails with the message qemu-img gives.
 */
final class VhdOpener {
    private static final int SECTOR = 512;
    /** The BAT is read in pieces of this size, so that a huge table never needs a huge buffer twice. */
    private static final int BAT_READ_CHUNK = 1 << 20;
    /** Parent locator data longer than this is not a file name. */
    private static final int MAX_LOCATOR_BYTES = 64 * 1024;

    private final OpenContext context;
    private final BlockNode file;
    private final VhdFooter.SizeRule sizeRule;

    VhdOpener(OpenContext context, VhdFooter.SizeRule sizeRule) {
        this.context = context;
        this.file = context.file();
        this.sizeRule = sizeRule;
    }

    BlockNode open() throws IOException {
        long fileSize = file.size();
        byte[] head = VpcDriver.readBytes(file, 0, VhdFooter.SIZE);
        VhdFooter footer;
        boolean footerAtStart = VhdFooter.hasCookie(head, 0);
        if (footerAtStart) {
            footer = VhdFooter.parse(head);
        } else {
            footer = footerAtEnd(fileSize);
        }
        long size = footer.virtualSize(sizeRule);
        if (size / SECTOR > VhdFooter.MAX_SECTORS) {
            throw new ImageException(context.filename(), "File too large");
        }
        if (!footerAtStart && footer.diskType() == VhdFooter.TYPE_FIXED) {
            long dataArea = fileSize - VhdFooter.SIZE;
            if (size > dataArea) {
                throw new CorruptImageException("Fixed VHD is truncated: its virtual size is " + size
                        + " bytes but the file holds only " + Math.max(0, dataArea) + " bytes of data");
            }
            return new FixedVhdNode(file, size);
        }
        return openDynamic(footer, size, fileSize);
    }

    /** A fixed disk's footer (also the only intact copy of a damaged dynamic disk's). */
    private VhdFooter footerAtEnd(long fileSize) throws IOException {
        if (fileSize < VhdFooter.SIZE) {
            throw new ImageException(context.filename(), "File too small for a VHD header");
        }
        byte[] tail = VpcDriver.readBytes(file, fileSize - VhdFooter.SIZE, VhdFooter.SIZE);
        if (VhdFooter.hasCookie(tail, 0)) {
            return VhdFooter.parse(tail);
        }
        byte[] shortTail = VpcDriver.readBytes(file, fileSize - (VhdFooter.SIZE - 1), VhdFooter.SIZE - 1);
        if (VhdFooter.hasCookie(shortTail, 0)) {
            return VhdFooter.parse(shortTail);
        }
        throw new ImageException(context.filename(), "invalid VPC image");
    }

    private BlockNode openDynamic(VhdFooter footer, long size, long fileSize) throws IOException {
        long headerOffset = footer.dataOffset();
        // A header cut short by the end of the file reads zeros there, as in QEMU.
        if (headerOffset < 0 || headerOffset >= fileSize) {
            throw new CorruptImageException("Error reading dynamic VHD header: data offset " + Long.toUnsignedString(
                    headerOffset) + " lies outside the file (" + fileSize + " bytes)");
        }
        DynamicDiskHeader header = DynamicDiskHeader.parse(
                VpcDriver.readBytes(file, headerOffset, DynamicDiskHeader.SIZE));
        long blockSize = header.blockSize();
        if (Long.bitCount(blockSize) != 1 || blockSize < SECTOR) {
            throw new CorruptImageException("Invalid block size " + blockSize);
        }
        long entries = header.maxTableEntries();
        if (size / blockSize > 0xFFFFFFFFL) {
            throw new CorruptImageException("Too many blocks");
        }
        if (entries * blockSize < size) {
            throw new CorruptImageException("Page table too small");
        }
        if (entries > Integer.MAX_VALUE / 4) {
            throw new CorruptImageException("Max Table Entries too large (" + entries + ")");
        }
        long batOffset = header.tableOffset();
        long batBytes = entries * 4;
        if (batOffset < 0 || batOffset > fileSize - batBytes) {
            throw new CorruptImageException("Block allocation table at offset " + Long.toUnsignedString(batOffset)
                    + " (" + entries + " entries) extends beyond the end of the file (" + fileSize + " bytes)");
        }
        AtomicIntegerArray bat = readBat(batOffset, (int) entries);
        int bitmapSize = DynamicVhdNode.bitmapSize(blockSize);
        long freeOffset = (batOffset + batBytes + SECTOR - 1) & -SECTOR;
        for (int i = 0; i < entries; i++) {
            int e = bat.get(i);
            if (e == DynamicVhdNode.UNALLOCATED) {
                continue;
            }
            long start = (e & 0xFFFFFFFFL) * SECTOR;
            long end = start + bitmapSize + blockSize;
            if (overlaps(start, end, 0, VhdFooter.SIZE) || overlaps(start, end, headerOffset,
                    headerOffset + DynamicDiskHeader.SIZE) || overlaps(start, end, batOffset, batOffset + batBytes)) {
                throw new CorruptImageException("BAT entry " + i + " places block data at offset " + start
                        + ", over the image's own metadata");
            }
            freeOffset = Math.max(freeOffset, end);
        }
        if (freeOffset > fileSize) {
            throw new CorruptImageException("block-vpc: free_data_block_offset points after the end of file."
                    + " The image has been truncated.");
        }
        BlockNode parent = null;
        BackingReference parentRef = null;
        if (footer.diskType() == VhdFooter.TYPE_DIFFERENCING) {
            if (!file.isReadOnly()) {
                throw new NotSupportedException(context.filename(),
                        "Writing differencing VHD images is not supported; open it read-only");
            }
            parentRef = parentReference(header);
            if (!context.options().noBacking()) {
                context.resolveRelated(parentRef.name());
                parent = context.openBacking(parentRef);
            }
        }
        return new DynamicVhdNode(file, size, blockSize, batOffset, bat, freeOffset, footer.bytes(), parent,
                parentRef);
    }

    private static boolean overlaps(long start, long end, long otherStart, long otherEnd) {
        return start < otherEnd && otherStart < end;
    }

    private AtomicIntegerArray readBat(long batOffset, int entries) throws IOException {
        AtomicIntegerArray bat = new AtomicIntegerArray(entries);
        ByteBuffer chunk = ByteBuffer.allocate(BAT_READ_CHUNK).order(ByteOrder.BIG_ENDIAN);
        int done = 0;
        while (done < entries) {
            int n = Math.min(entries - done, BAT_READ_CHUNK / 4);
            chunk.clear().limit(n * 4);
            file.read(batOffset + 4L * done, chunk);
            for (int i = 0; i < n; i++) {
                bat.set(done + i, chunk.getInt(i * 4));
            }
            done += n;
        }
        return bat;
    }

    /**
     * The parent of a differencing disk, by the first locator that names it relative to the
     * child ("W2ru", as Hyper-V stores it), else by the file name part of an absolute locator or
     * of the header's parent name: looked up beside the child, never elsewhere.
     */
    private BackingReference parentReference(DynamicDiskHeader header) throws IOException {
        String relative = null;
        String absolute = null;
        for (DynamicDiskHeader.ParentLocator l : header.parentLocators()) {
            String name = switch (l.platformCode()) {
                case "W2ru", "W2ku" -> locatorText(l, true);
                case "MacX" -> locatorText(l, false);
                default -> null;
            };
            if (name == null || name.isEmpty()) {
                continue;
            }
            if (l.platformCode().equals("W2ru") && relative == null) {
                relative = name;
            } else if (absolute == null) {
                absolute = name;
            }
        }
        String name = relative != null ? stripDotSlash(relative.replace('\\', '/'))
                : absolute != null ? baseName(absolute) : baseName(header.parentName());
        if (name.isEmpty()) {
            throw new CorruptImageException("Differencing VHD names no parent image");
        }
        return new BackingReference(name, context.fullBackingName(name), Optional.empty());
    }

    private String locatorText(DynamicDiskHeader.ParentLocator l, boolean utf16) throws IOException {
        if (l.dataLength() <= 0 || l.dataLength() > MAX_LOCATOR_BYTES || l.dataOffset() < 0
                || l.dataOffset() > file.size() - l.dataLength()) {
            throw new CorruptImageException("Parent locator '" + l.platformCode() + "' at offset "
                    + Long.toUnsignedString(l.dataOffset()) + " (" + l.dataLength() + " bytes) lies outside the file");
        }
        byte[] data = VpcDriver.readBytes(file, l.dataOffset(), (int) l.dataLength());
        String text = new String(data, utf16 ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_8);
        int nul = text.indexOf('\0');
        text = nul >= 0 ? text.substring(0, nul) : text;
        return text.startsWith("file://") ? text.substring("file://".length()) : text;
    }

    private static String stripDotSlash(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        return n;
    }

    private static String baseName(String name) {
        String n = name.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1);
    }
}
