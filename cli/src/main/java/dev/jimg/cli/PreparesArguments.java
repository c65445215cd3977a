package dev.jimg.cli;

/** A verb that takes some arguments off the command line itself before option parsing. */
public interface PreparesArguments {
    /** Returns the arguments left for the option parser. */
    String[] prepare(String[] args);
}
