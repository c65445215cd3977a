/** The jimg command line. */
module dev.jimg.cli {
    requires dev.jimg.block;
    requires dev.jimg.formats;
    requires dev.jimg.emulator;
    requires info.picocli;

    opens dev.jimg.cli.verbs to info.picocli;
}
