/*
 * PID 1 of the jimg test guest.
 *
 * Boots from the initramfs, reads what to do from the kernel command line,
 * exercises a block device, reports on the console and powers the machine
 * off, also after a failure. The same kernel and initramfs boot in QEMU and
 * in jimg's emulator, so the two can be compared line for line.
 *
 * Built static against the kernel tree's nolibc (the build host has no C
 * library for the cross compiler), hence the plain system calls and the
 * hand-written number formatting: nolibc's printf knows no widths.
 *
 * Console protocol (testdata/guest/README.md is the reference):
 *   JIMG-BOOT: uptime_us=<n> test=<name>           first line of init
 *   JIMG-RESULT: <key>=<value> ...                  measured values
 *   JIMG-RESULT: OK | JIMG-RESULT: FAIL <message>  exactly one, the last
 */
#include "guest.h"
#include <linux/utsname.h>

#define SYSLOG_ACTION_CONSOLE_LEVEL 8
/*
 * Kernel messages print over our lines (the console driver does not wait for
 * the tty's line to end); from init on, only errors and worse get through.
 */
#define QUIET_CONSOLE_LEVEL 4
#define CMDLINE_MAX 4096
#define PARAM_VALUE_MAX 256
/* param() hands out this many values before it reuses its buffers. */
#define PARAM_SLOTS 16

/* ------------------------------------------------------------ output -- */

static char line[512];
static int line_len;

static void put_char(char c)
{
	if (line_len < (int)sizeof(line) - 1) /* room for the newline */
		line[line_len++] = c;
}

void put_str(const char *s)
{
	while (*s)
		put_char(*s++);
}

void put_u64(unsigned long long v)
{
	char digits[21];
	int n = 0;

	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		put_char(digits[--n]);
}

void put_hex32(unsigned int v)
{
	for (int shift = 28; shift >= 0; shift -= 4)
		put_char("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* Prints value/1000 with three decimals: 12345 as "12.345". */
void put_milli(unsigned long long milli)
{
	put_u64(milli / 1000);
	put_char('.');
	put_char('0' + milli / 100 % 10);
	put_char('0' + milli / 10 % 10);
	put_char('0' + milli % 10);
}

void put_kv(const char *key, unsigned long long value)
{
	put_char(' ');
	put_str(key);
	put_char('=');
	put_u64(value);
}

void begin(const char *tag)
{
	line_len = 0;
	put_str(tag);
}

/* One write() per line, so that the tty hands the line over whole. */
void emit(void)
{
	line[line_len++] = '\n';
	write(1, line, line_len);
	line_len = 0;
}

/* ---------------------------------------------------------- platform -- */

long long now_us(int clock)
{
	struct timespec ts;

	my_syscall2(__NR_clock_gettime, clock, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	my_syscall2(__NR_nanosleep, &ts, 0);
}

void sync_all(void)
{
	my_syscall0(__NR_sync);
}

long pread_at(int fd, void *buf, size_t n, long long off)
{
	return my_syscall4(__NR_pread64, fd, buf, n, off);
}

long pwrite_at(int fd, const void *buf, size_t n, long long off)
{
	return my_syscall4(__NR_pwrite64, fd, buf, n, off);
}

/* Page-aligned, as O_DIRECT wants; shared ones stay shared with forked children. */
void *map_buffer(size_t size, int shared)
{
	void *p = mmap(0, size, PROT_READ | PROT_WRITE,
		       (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? 0 : p;
}

/* PID 1 must not return: if power-off fails, try a reset, then idle. */
__attribute__((noreturn)) static void power_off(void)
{
	sync_all();
	reboot(LINUX_REBOOT_CMD_POWER_OFF);
	begin("JIMG-RESULT:");
	put_kv("poweroff_errno", errno);
	emit();
	reboot(LINUX_REBOOT_CMD_RESTART);
	for (;;)
		sleep_ms(1000000);
}

void fail(const char *what, const char *detail, int err)
{
	begin("JIMG-RESULT: FAIL ");
	put_str(what);
	if (detail) {
		put_char(' ');
		put_str(detail);
	}
	if (err)
		put_kv("errno", err);
	emit();
	power_off();
}

/* ------------------------------------------------------ command line -- */

static char cmdline[CMDLINE_MAX];

/*
 * Reads /proc/cmdline: the kernel hands init only parameters without a dot,
 * and ours are named "jimg.*" so that the kernel leaves them alone.
 */
static void read_cmdline(void)
{
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);

	if (n < 0)
		fail("read", "/proc/cmdline", errno);
	close(fd);
	cmdline[n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (cmdline[i] == '\n' || cmdline[i] == '\t')
			cmdline[i] = ' ';
}

const char *param(const char *name, const char *fallback)
{
	static char values[PARAM_SLOTS][PARAM_VALUE_MAX];
	static int next;
	size_t name_len = strlen(name);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *word = p;

		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - word) > name_len && !strncmp(word, name, name_len) &&
		    word[name_len] == '=') {
			char *value = values[next++ % PARAM_SLOTS];
			size_t len = p - word - name_len - 1;

			if (len >= PARAM_VALUE_MAX)
				fail("parameter-too-long", name, 0);
			memcpy(value, word + name_len + 1, len);
			value[len] = 0;
			return value;
		}
	}
	return fallback;
}

/* A decimal number with an optional binary suffix K, M or G. */
long long param_num(const char *name, long long fallback)
{
	const char *s = param(name, 0);
	long long v = 0;

	if (!s)
		return fallback;
	if (*s < '0' || *s > '9')
		fail("bad-parameter", name, 0);
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	switch (*s) {
	case 'K': v <<= 10; s++; break;
	case 'M': v <<= 20; s++; break;
	case 'G': v <<= 30; s++; break;
	}
	if (*s)
		fail("bad-parameter", name, 0);
	return v;
}

/* -------------------------------------------------------------- main -- */

static void test_hello(void)
{
	struct new_utsname u;

	if (my_syscall1(__NR_uname, &u) < 0)
		fail("uname", 0, 0);
	begin("JIMG-RESULT: sysname=");
	put_str(u.sysname);
	put_str(" release=");
	put_str(u.release);
	put_str(" machine=");
	put_str(u.machine);
	emit();
}

static void mount_pseudo(const char *source, const char *dir, const char *type)
{
	if (mount(source, dir, type, 0, 0) < 0)
		fail("mount", dir, errno);
}

int main(int argc, char **argv, char **envp)
{
	const char *test;
	const char *dev;

	(void)argc, (void)argv, (void)envp;
	/* The kernel mounts devtmpfs by itself only on a disk root, not on an initramfs. */
	mount_pseudo("proc", "/proc", "proc");
	mount_pseudo("sysfs", "/sys", "sysfs");
	mount_pseudo("devtmpfs", "/dev", "devtmpfs");
	read_cmdline();
	test = param("jimg.test", "hello");
	dev = param("jimg.dev", "/dev/vda");
	begin("JIMG-BOOT:");
	put_kv("uptime_us", now_us(CLOCK_BOOTTIME));
	put_str(" test=");
	put_str(test);
	emit();
	if (strcmp(param("jimg.verbose", "0"), "1"))
		my_syscall3(__NR_syslog, SYSLOG_ACTION_CONSOLE_LEVEL, 0, QUIET_CONSOLE_LEVEL);

	if (!strcmp(test, "hello") || !strcmp(test, "uname"))
		test_hello();
	else if (!strcmp(test, "readwrite"))
		test_readwrite(dev);
	else if (!strcmp(test, "stress"))
		test_stress(dev);
	else if (!strcmp(test, "bench"))
		test_bench(dev);
	else
		fail("unknown-test", test, 0);
	begin("JIMG-RESULT: OK");
	emit();
	power_off();
}
