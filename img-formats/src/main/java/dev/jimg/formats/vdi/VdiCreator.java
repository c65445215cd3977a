package dev.jimg.formats.vdi;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Writes new VDI images: header, an all-free block map, and for static images every data block
 * (sparse unless preallocated). With {@code backing_file} the new image is a differencing image
 * of that parent, linked by the parent's UUIDs as VirtualBox links snapshot disks.
 */
final class VdiCreator {
    private VdiCreator() {
    }

    static void create(CreateRequest request) throws IOException {
        boolean isStatic = request.options().bool(VdiDriver.OPT_STATIC, false);
        String prealloc = request.options().string(CommonOptions.PREALLOCATION).orElse("off");
        Optional<String> backingFile = request.options().string(CommonOptions.BACKING_FILE);
        long size = request.size();
        byte[] link = null;
        byte[] parentModify = null;
        if (backingFile.isPresent()) {
            if (isStatic) {
                throw new ImageException(request.filename(), "A differencing VDI image cannot be static");
            }
            VdiHeader parent = parentHeader(request, backingFile.get());
            link = parent.uuidImage;
            parentModify = parent.uuidLastSnap;
            if (!request.options().has(CommonOptions.SIZE) && size <= 0) {
                size = VdiHeader.alignSector(parent.diskSize);
            }
        }
        if (size > VdiHeader.MAX_DISK_SIZE) {
            throw new ImageException(request.filename(), "Unsupported VDI image size (size is 0x"
                    + Long.toHexString(size) + ", max supported is 0x" + Long.toHexString(VdiHeader.MAX_DISK_SIZE) + ")");
        }
        VdiHeader.Type type = backingFile.isPresent() ? VdiHeader.Type.DIFF
                : isStatic ? VdiHeader.Type.STATIC : VdiHeader.Type.DYNAMIC;
        VdiHeader header = VdiHeader.create(type, size, link, parentModify);
        BlockMap map = new BlockMap((int) header.blocksInImage);
        if (isStatic) {
            for (int b = 0; b < map.size(); b++) {
                map.set(b, b);
            }
        }
        try (FileNode file = FileNode.create(request.path(), request.filename())) {
            file.write(0, ByteBuffer.wrap(header.toBytes()));
            if (map.size() > 0) {
                int lastSector = (map.size() - 1) / BlockMap.ENTRIES_PER_SECTOR;
                file.write(header.offsetBmap, map.encodeSectors(0, lastSector));
            }
            long end = header.dataOffset(header.blocksAllocated);
            file.resize(end);
            if (isStatic && !prealloc.equals("off")) {
                file.writeZeroes(header.offsetData, end - header.offsetData, false);
            }
            file.flush();
        }
    }

    private static VdiHeader parentHeader(CreateRequest request, String name) throws IOException {
        Path relativeTo = request.path().toAbsolutePath().getParent();
        try (BlockNode parent = request.opener().open(name, VdiDriver.NAME, relativeTo,
                OpenOptions.readOnlyDefaults())) {
            Optional<VdiNode> vdi = parent.capability(VdiNode.class);
            if (vdi.isEmpty()) {
                throw new ImageException(request.filename(), "The parent of a differencing VDI image must be a VDI image");
            }
            return vdi.get().header();
        }
    }
}
