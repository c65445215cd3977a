/**
 * The block layer: {@link dev.jimg.block.BlockNode} and its capabilities, the file protocol node,
 * the image opener with format probing, and the driver SPI formats implement.
 */
module dev.jimg.block {
    exports dev.jimg.block;
    exports dev.jimg.block.file;
    exports dev.jimg.block.spi;
    exports dev.jimg.block.util;
}
