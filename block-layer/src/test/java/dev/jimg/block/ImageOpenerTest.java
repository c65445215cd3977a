package dev.jimg.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ImageOpenerTest {
    private FileSystem fs;
    private final List<String> warnings = new ArrayList<>();
    private final List<OpenContext> contexts = new ArrayList<>();

    /** A driver that claims files starting with its magic, and hands back the file node. */
    private final class MagicDriver implements FormatDriver {
        private final String name;
        private final String magic;
        private final int score;

        MagicDriver(String name, String magic, int score) {
            this.name = name;
            this.magic = magic;
            this.score = score;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int probe(ProbeInput input) {
            return magic == null || input.headMatches(0, magic.getBytes(StandardCharsets.ISO_8859_1)) ? score : 0;
        }

        @Override
        public BlockNode open(OpenContext context) {
            contexts.add(context);
            return new FilterNode(context.file()) {
                @Override
                public String formatName() {
                    return name;
                }
            };
        }
    }

    private ImageOpener opener;

    @BeforeEach
    void setUp() throws IOException {
        fs = Jimfs.newFileSystem(Configuration.unix());
        Files.createDirectories(fs.getPath("/vm/disks"));
        FormatRegistry registry = new FormatRegistry(List.of(new MagicDriver("raw", null, 1),
                new MagicDriver("weak", "QFI", 50), new MagicDriver("strong", "QFI\u00fb", 100)));
        opener = new ImageOpener(registry, fs, warnings::add);
    }

    @AfterEach
    void tearDown() throws IOException {
        fs.close();
    }

    @Test
    void probingPicksTheHighestScoreWhateverTheRegistrationOrder() throws IOException {
        Files.write(fs.getPath("/vm/a.img"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0});
        try (BlockNode node = opener.open("/vm/a.img", null, OpenOptions.readOnlyDefaults())) {
            assertEquals("strong", node.formatName());
        }
    }

    @Test
    void anExplicitFormatIsNeverSecondGuessed() throws IOException {
        Files.write(fs.getPath("/vm/a.img"), new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        try (BlockNode node = opener.open("/vm/a.img", "raw", OpenOptions.defaults())) {
            assertEquals("raw", node.formatName());
        }
        assertTrue(warnings.isEmpty());
    }

    @Test
    void warnsWhenProbingGuessesRawForAWritableImage() throws IOException {
        Files.write(fs.getPath("/vm/plain.img"), new byte[1024]);
        try (BlockNode node = opener.open("/vm/plain.img", null, OpenOptions.readOnlyDefaults())) {
            assertEquals("raw", node.formatName());
        }
        assertTrue(warnings.isEmpty(), "read-only opens do not warn");
        try (BlockNode node = opener.open("/vm/plain.img", null, OpenOptions.defaults())) {
            assertEquals("raw", node.formatName());
        }
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("probing guessed raw"), warnings.get(0));
    }

    @Test
    void refusesAnUnknownFormatName() throws IOException {
        Files.write(fs.getPath("/vm/a.img"), new byte[16]);
        ImageException e = assertThrows(ImageException.class,
                () -> opener.open("/vm/a.img", "qcow9", OpenOptions.defaults()));
        assertEquals("Unknown driver 'qcow9'", e.getMessage());
    }

    @Test
    void resolvesRelatedFilesInsideTheImageDirectoryOnly() throws IOException {
        Files.write(fs.getPath("/vm/disks/a.img"), new byte[16]);
        Files.write(fs.getPath("/vm/disks/extent-s001.img"), new byte[16]);
        try (BlockNode node = opener.open("/vm/disks/a.img", "raw", OpenOptions.readOnlyDefaults())) {
            OpenContext ctx = contexts.get(0);
            assertEquals(fs.getPath("/vm/disks/extent-s001.img"), ctx.resolveRelated("extent-s001.img"));
            for (String hostile : List.of("/etc/passwd", "../a.img", "sub/../../a.img")) {
                ImageException e = assertThrows(ImageException.class, () -> ctx.resolveRelated(hostile), hostile);
                assertTrue(e.getMessage().contains("outside the image's directory"), e.getMessage());
            }
        }
        OpenOptions trusting = OpenOptions.builder().readOnly(true).allowExternalPaths(true).build();
        try (BlockNode node = opener.open("/vm/disks/a.img", "raw", trusting)) {
            assertEquals(fs.getPath("/vm/a.img"), contexts.get(1).resolveRelated("../a.img"));
        }
    }

    @Test
    void combinesRelativeBackingNamesWithTheImageDirectoryAsQemuDoes() {
        assertEquals("dir/base.qcow2", ImageOpener.combine("dir/top.qcow2", "base.qcow2"));
        assertEquals("base.qcow2", ImageOpener.combine("top.qcow2", "base.qcow2"));
        assertEquals("/abs/base", ImageOpener.combine("dir/top.qcow2", "/abs/base"));
        assertEquals("/vm/../b", ImageOpener.combine("/vm/t", "../b"));
    }
}
