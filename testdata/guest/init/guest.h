/*
 * Declarations shared by the translation units of the test guest's init.
 * init.c holds the console protocol, the command line and the system glue;
 * disk_tests.c holds the tests. Each unit includes nolibc on its own, so
 * errno is per unit: the helpers below return negative error numbers instead.
 */
#ifndef JIMG_GUEST_H
#define JIMG_GUEST_H

#include "nolibc.h"

#define MIB (1024L * 1024L)
#define SECTOR 512L
/* Alignment O_DIRECT needs for buffers, offsets and lengths on every bus we test. */
#define DIRECT_ALIGN 4096L
/* Largest single read()/write() the tests issue; bounds the I/O buffers. */
#define MAX_IO (1L * MIB)

#ifndef O_DIRECT
#define O_DIRECT 040000 /* asm-generic/fcntl.h, which RISC-V uses */
#endif
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7

/* Console lines: begin(tag), put_*() pieces, emit() in one write(). */
void begin(const char *tag);
void put_str(const char *s);
void put_u64(unsigned long long v);
void put_hex32(unsigned int v);
void put_milli(unsigned long long milli);
void put_kv(const char *key, unsigned long long value);
void emit(void);

/* Prints "JIMG-RESULT: FAIL what detail errno=err" and powers off. */
__attribute__((noreturn)) void fail(const char *what, const char *detail, int err);

/* Kernel command line "name=value" parameters. */
const char *param(const char *name, const char *fallback);
long long param_num(const char *name, long long fallback);

long long now_us(int clock);
void sleep_ms(int ms);
void sync_all(void);
long pread_at(int fd, void *buf, size_t n, long long off);
long pwrite_at(int fd, const void *buf, size_t n, long long off);
void *map_buffer(size_t size, int shared);

void test_readwrite(const char *dev);
void test_stress(const char *dev);
void test_bench(const char *dev);

#endif
