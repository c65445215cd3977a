package dev.jimg.emulator.scsi;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The commands that reach the block layer (SBC-3): READ and WRITE (6, 10, 16), VERIFY,
 * SYNCHRONIZE CACHE and UNMAP. Reads and writes move their data phase straight between the
 * transport's buffers and the {@link BlockNode}, one request per piece the transport hands over, so
 * the device holds no copy of the data and a failed piece names the failing LBA.
 */
final class MediumCommands {
    /** UNMAP parameter list: 8-byte header, then 16-byte block descriptors (SBC-3, 5.28.2). */
    static final int UNMAP_HEADER = 8;
    static final int UNMAP_DESCRIPTOR = 16;

    private final ScsiDisk disk;
    private final BlockNode node;
    private final Consumer<String> warnings;

    MediumCommands(ScsiDisk disk, BlockNode node, Consumer<String> warnings) {
        this.disk = disk;
        this.node = node;
        this.warnings = warnings;
    }

    /** READ of {@code blocks} blocks at {@code lba}; the range was checked. */
    ScsiCommand read(byte[] cdb, long lba, long blocks) {
        return new Transfer(cdb, lba, blocks, ScsiCommand.Direction.IN, false);
    }

    /** WRITE of {@code blocks} blocks at {@code lba}; FUA makes it durable before GOOD. */
    ScsiCommand write(byte[] cdb, long lba, long blocks, boolean forceUnitAccess) {
        return new Transfer(cdb, lba, blocks, ScsiCommand.Direction.OUT, forceUnitAccess);
    }

    ScsiCommand synchronizeCache(byte[] cdb) {
        return ScsiCommand.withoutData(cdb, () -> flush(-1));
    }

    /**
     * Makes what was written durable. A failure is a WRITE ERROR whose INFORMATION field is
     * {@code lba}, or not valid for -1 (SYNCHRONIZE CACHE names no block).
     */
    private ScsiStatus flush(long lba) {
        try {
            node.flush();
            return ScsiStatus.OK;
        } catch (IOException | ImageException e) {
            warnings.accept("scsi: flush of " + node.filename() + " failed: " + e.getMessage());
            return ScsiStatus.checkCondition(Sense.writeError(lba));
        }
    }

    /** UNMAP with a parameter list of {@code listLength} bytes, executed once the list arrived. */
    ScsiCommand unmap(byte[] cdb, int listLength) {
        byte[] list = new byte[listLength];
        return new ScsiCommand(cdb) {
            @Override
            public Direction direction() {
                return listLength == 0 ? Direction.NONE : Direction.OUT;
            }

            @Override
            public long length() {
                return listLength;
            }

            @Override
            public boolean dataOut(long position, ByteBuffer src) {
                src.get(list, (int) position, src.remaining());
                return true;
            }

            @Override
            protected ScsiStatus complete(long moved) {
                if (listLength == 0) {
                    return ScsiStatus.OK; // SBC-3: a zero-length parameter list is not an error
                }
                if (moved < UNMAP_HEADER) {
                    return ScsiStatus.checkCondition(Sense.PARAMETER_LIST_LENGTH_ERROR);
                }
                return discard(list, (int) moved);
            }
        };
    }

    /**
     * Parameter list (SBC-3, 5.28.2): 0-1 UNMAP DATA LENGTH (bytes after it), 2-3 BLOCK DESCRIPTOR
     * DATA LENGTH, then descriptors of LBA (8 bytes) and NUMBER OF LOGICAL BLOCKS (4 bytes).
     */
    private ScsiStatus discard(byte[] list, int length) {
        int descriptors = Cdb.u16(list, 2);
        if (descriptors % UNMAP_DESCRIPTOR != 0 || UNMAP_HEADER + descriptors > length
                || Cdb.u16(list, 0) < descriptors + 6) {
            return ScsiStatus.checkCondition(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        }
        if (descriptors / UNMAP_DESCRIPTOR > ScsiDisk.MAX_UNMAP_DESCRIPTORS) {
            return ScsiStatus.checkCondition(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        }
        for (int at = UNMAP_HEADER; at < UNMAP_HEADER + descriptors; at += UNMAP_DESCRIPTOR) {
            long lba = Cdb.u64(list, at);
            long blocks = Cdb.u32(list, at + 8);
            if (!disk.inRange(lba, blocks)) {
                return ScsiStatus.checkCondition(Sense.LBA_OUT_OF_RANGE);
            }
        }
        if (disk.readOnly()) {
            return ScsiStatus.checkCondition(Sense.WRITE_PROTECTED);
        }
        for (int at = UNMAP_HEADER; at < UNMAP_HEADER + descriptors; at += UNMAP_DESCRIPTOR) {
            long lba = Cdb.u64(list, at);
            long blocks = Cdb.u32(list, at + 8);
            if (blocks == 0) {
                continue;
            }
            try {
                node.discard(lba * ScsiDisk.BLOCK_SIZE, blocks * ScsiDisk.BLOCK_SIZE);
            } catch (IOException | ImageException e) {
                warnings.accept("scsi: unmap of " + blocks + " blocks at LBA " + lba + " of " + node.filename()
                        + " failed: " + e.getMessage());
                return ScsiStatus.checkCondition(Sense.writeError(lba));
            }
        }
        return ScsiStatus.OK;
    }

    /** A READ or WRITE whose data phase is the blocks themselves. */
    private final class Transfer extends ScsiCommand {
        private final long lba;
        private final long blocks;
        private final Direction direction;
        private final boolean forceUnitAccess;
        /** The first failure, kept for the status. */
        private volatile Sense failure;

        Transfer(byte[] cdb, long lba, long blocks, Direction direction, boolean forceUnitAccess) {
            super(cdb);
            this.lba = lba;
            this.blocks = blocks;
            this.direction = direction;
            this.forceUnitAccess = forceUnitAccess;
        }

        @Override
        public Direction direction() {
            return blocks == 0 ? Direction.NONE : direction;
        }

        @Override
        public long length() {
            return blocks * ScsiDisk.BLOCK_SIZE;
        }

        @Override
        public boolean dataIn(long position, ByteBuffer dst) {
            check(Direction.IN, position, dst.remaining());
            long offset = lba * ScsiDisk.BLOCK_SIZE + position;
            try {
                node.read(offset, dst);
                return true;
            } catch (IOException | ImageException e) {
                warnings.accept("scsi: read of " + dst.remaining() + " bytes at " + offset + " of " + node.filename()
                        + " failed: " + e.getMessage());
                failed(Sense.readError(offset / ScsiDisk.BLOCK_SIZE));
                return false;
            }
        }

        @Override
        public boolean dataOut(long position, ByteBuffer src) {
            check(Direction.OUT, position, src.remaining());
            long offset = lba * ScsiDisk.BLOCK_SIZE + position;
            try {
                node.write(offset, src);
                return true;
            } catch (IOException | ImageException e) {
                warnings.accept("scsi: write of " + src.remaining() + " bytes at " + offset + " of "
                        + node.filename() + " failed: " + e.getMessage());
                failed(Sense.writeError(offset / ScsiDisk.BLOCK_SIZE));
                return false;
            }
        }

        private void check(Direction expected, long position, int length) {
            if (direction != expected || position < 0 || position + length > length()) {
                throw new IllegalArgumentException("data " + expected + " of " + length + " bytes at " + position
                        + " does not fit a " + direction + " transfer of " + length() + " bytes");
            }
        }

        private synchronized void failed(Sense sense) {
            if (failure == null) {
                failure = sense;
            }
        }

        @Override
        protected ScsiStatus complete(long moved) {
            if (failure != null) {
                return ScsiStatus.checkCondition(failure);
            }
            if (direction == Direction.OUT && moved > 0 && (forceUnitAccess || !disk.writeCacheEnabled())) {
                return flush(lba);
            }
            return ScsiStatus.OK;
        }
    }
}
