/** The RISC-V virt machine; see docs/emulator.md. */
package dev.jimg.emulator;
