package dev.jimg.block.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jimg.block.ImageException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SizesTest {
    @ParameterizedTest
    @CsvSource({"512,512", "64k,65536", "64K,65536", "1M,1048576", "1.5G,1610612736", "2T,2199023255552",
            "0,0", "1b,1", "8E,-1", "abc,-1", "1.5,-1", "-1,-1", "'',-1", "1MB,-1",
            "0.5k,512", "1.001k,1025", "7E,8070450532247928832", "9223372036854775807,9223372036854775807",
            "9223372036854775808,-1", ".5k,-1", "1.k,-1", "1.5b,-1", "1..5k,-1", "1.2.3k,-1", "' 4k ',4096"})
    void parsesQemuSizes(String text, long expected) {
        assertEquals(expected, Sizes.tryParse(text));
    }

    @ParameterizedTest
    @CsvSource({"0,0 B", "512,512 B", "1000,0.977 KiB", "200704,196 KiB", "1048576,1 MiB", "1073741824,1 GiB",
            "1610612736,1.5 GiB", "136365211648,127 GiB", "1023,0.999 KiB", "1048575,1 MiB"})
    void printsSizesAsQemuDoes(long bytes, String expected) {
        assertEquals(expected, Sizes.toHuman(bytes));
    }

    @ParameterizedTest
    @CsvSource({"999.5,1e+03", "12.345,12.3", "0.0001234,0.000123", "123456,1.23e+05", "1.125,1.12",
            "1.375,1.38", "0.0625,0.0625", "100,100", "0.00001,1e-05", "5e-324,4.94e-324", "1.7976931348623157e308,1.8e+308",
            "-2.5,-2.5", "999.4999,999", "9.995,9.99", "99.95,100"})
    void formatsLikePrintfPercentG(double value, String expected) {
        assertEquals(expected, Sizes.formatThreeSignificant(value));
    }

    @ParameterizedTest
    @CsvSource({"0.125,2,0.12", "0.375,2,0.38", "2.675,2,2.67", "99.995,2,100.00", "0,2,0.00", "-0.0,2,-0.00",
            "100,2,100.00", "0.001,2,0.00", "0.005,2,0.01", "0.0049,2,0.00", "33.333333,2,33.33", "7.5,0,8",
            "6.5,0,6", "1e20,2,100000000000000000000.00", "-1.005,2,-1.00", "4.9e-324,3,0.000", "0.5,3,0.500"})
    void formatsLikePrintfFixed(double value, int decimals, String expected) {
        assertEquals(expected, Sizes.toFixed(value, decimals));
    }

    @org.junit.jupiter.api.Test
    void refusesABadImageSizeWithQemusHint() {
        ImageException e = assertThrows(ImageException.class, () -> Sizes.parseImageSize("12Q"));
        assertEquals(true, e.getMessage().startsWith("Invalid image size specified."));
    }
}
