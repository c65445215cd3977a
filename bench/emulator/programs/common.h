/* Shared by the benchmark programs: where the test finisher is, and the exit. */
#define FINISHER 0x100000
#define POWER_OFF li t0, FINISHER; li t1, 0x5555; sw t1, 0(t0); 1: j 1b
