/*
 * The tests init runs on a disk: readwrite (through a file system), stress
 * and bench (on the raw device).
 *
 * Test data is a pure function of (seed, byte offset), so that the host can
 * regenerate and check any range the guest wrote: the little-endian 64-bit
 * word at byte offset 8*i is splitmix64 output number i+1 for state seed.
 */
#include "guest.h"

/* AHCI and USB find their disks asynchronously, USB after a settle delay. */
#define DEFAULT_DEVICE_WAIT_MS 10000
#define DEVICE_POLL_MS 10
/* Workers of the stress test; the shared result table has this many slots. */
#define MAX_PROCS 64
/* Stress requests are 1 to 16 pages long (4 KiB .. 64 KiB). */
#define STRESS_MAX_PAGES 16
/* Longest file path the readwrite test accepts, "/mnt" included. */
#define PATH_LIMIT 300

/* ------------------------------------------------------------- data -- */

static unsigned int crc_table[256];

/* CRC-32 of ISO 3309 / IEEE 802.3, as zlib and java.util.zip.CRC32 compute it. */
static unsigned int crc32_update(unsigned int crc, const unsigned char *p, size_t n)
{
	if (!crc_table[1])
		for (unsigned int i = 0; i < 256; i++) {
			unsigned int c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* splitmix64 output number index+1 for the given seed. */
static unsigned long long pattern_word(unsigned long long seed, unsigned long long index)
{
	unsigned long long z = seed + (index + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The pattern bytes at [off, off + n); off a multiple of 8, n rounded up to one. */
static void fill_pattern(unsigned char *buf, size_t n, unsigned long long seed, long long off)
{
	for (size_t i = 0; i < n; i += 8) {
		unsigned long long w = pattern_word(seed, (off + i) / 8);

		for (int b = 0; b < 8; b++)
			buf[i + b] = w >> (8 * b);
	}
}

/* Sectors of buf, read from device offset off, that differ from the pattern. */
static long count_bad_sectors(const unsigned char *buf, size_t n, unsigned long long seed,
			      long long off, unsigned char *expected)
{
	long bad = 0;

	fill_pattern(expected, n, seed, off);
	for (size_t s = 0; s < n; s += SECTOR)
		if (memcmp(buf + s, expected + s, SECTOR))
			bad++;
	return bad;
}

/* A per-process random stream for request sizes and offsets. */
static unsigned long long rng_state;

static unsigned long long next_random(void)
{
	return pattern_word(rng_state++, 0);
}

/* ----------------------------------------------------------- device -- */

/* Names in /sys/block, for the message when the wanted disk never shows up. */
static void report_block_devices(void)
{
	char dirbuf[2048];
	int fd = open("/sys/block", O_RDONLY | O_DIRECTORY);
	int n = fd < 0 ? 0 : getdents64(fd, (void *)dirbuf, sizeof(dirbuf));

	begin("JIMG-RESULT: block_devices=");
	for (int pos = 0, first = 1; pos < n;) {
		struct linux_dirent64 *d = (void *)(dirbuf + pos);

		if (d->d_name[0] != '.') {
			put_str(first ? "" : ",");
			put_str(d->d_name);
			first = 0;
		}
		pos += d->d_reclen;
	}
	emit();
	if (fd >= 0)
		close(fd);
}

/*
 * Waits for the device: disk drivers probe asynchronously while init runs. The node appears in
 * devtmpfs a moment before the disk can be opened (device_add() precedes bdev_add() in
 * device_add_disk()); opening it in between fails with ENXIO, so wait for an open to succeed.
 */
static void wait_for_device(const char *dev)
{
	long long limit_us = param_num("jimg.wait_ms", DEFAULT_DEVICE_WAIT_MS) * 1000;
	long long start = now_us(CLOCK_MONOTONIC);
	struct stat st;
	int fd;

	while (stat(dev, &st) < 0 || (fd = open(dev, O_RDONLY)) < 0) {
		if (now_us(CLOCK_MONOTONIC) - start > limit_us) {
			report_block_devices();
			fail("device-missing", dev, errno);
		}
		sleep_ms(DEVICE_POLL_MS);
	}
	close(fd);
	begin("JIMG-RESULT:");
	put_kv("device_wait_ms", (now_us(CLOCK_MONOTONIC) - start) / 1000);
	emit();
}

/* -------------------------------------------------------- readwrite -- */

struct file_digest {
	long long length;
	unsigned int crc32;
};

static struct file_digest digest_file(const char *path, unsigned char *buf)
{
	struct file_digest d = { 0, 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		fail("open", path, errno);
	while ((n = read(fd, buf, MAX_IO)) > 0) {
		d.crc32 = crc32_update(d.crc32, buf, n);
		d.length += n;
	}
	if (n < 0)
		fail("read", path, errno);
	close(fd);
	return d;
}

/* "JIMG-RESULT: <what>.path=<path> <what>.length=<n> <what>.crc32=<hex>" */
static void report_digest(const char *what, const char *path, struct file_digest d)
{
	begin("JIMG-RESULT: ");
	put_str(what);
	put_str(".path=");
	put_str(path);
	put_str(" ");
	put_str(what);
	put_str(".length=");
	put_u64(d.length);
	put_str(" ");
	put_str(what);
	put_str(".crc32=");
	put_hex32(d.crc32);
	emit();
}

static struct file_digest write_pattern_file(const char *path, long long size,
					     unsigned long long seed, unsigned char *buf)
{
	struct file_digest d = { 0, 0 };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		fail("create", path, errno);
	for (long long off = 0; off < size; off += MAX_IO) {
		size_t n = size - off < MAX_IO ? size - off : MAX_IO;

		fill_pattern(buf, n, seed, off);
		if (write(fd, buf, n) != (ssize_t)n)
			fail("write", path, errno);
		d.crc32 = crc32_update(d.crc32, buf, n);
		d.length += n;
	}
	if (fsync(fd) < 0)
		fail("fsync", path, errno);
	close(fd);
	return d;
}

static void mount_fs(const char *dev, const char *fs)
{
	if (mount(dev, "/mnt", fs, 0, 0) < 0)
		fail("mount", dev, errno);
}

static void unmount_fs(void)
{
	if (umount2("/mnt", 0) < 0)
		fail("umount", "/mnt", errno);
}

/* "/mnt" followed by path, which must be absolute. */
static const char *under_mnt(char *out, size_t size, const char *path)
{
	if (path[0] != '/' || strlen(path) + 5 > size)
		fail("bad-path", path, 0);
	strcpy(out, "/mnt");
	strcpy(out + 4, path);
	return out;
}

/*
 * Mounts the file system, digests a file the host put there, writes a file
 * the host will check, and digests that again after a remount: unmounting
 * evicts the file's cached pages, so the second digest reads what reached
 * the device.
 */
void test_readwrite(const char *dev)
{
	const char *fs = param("jimg.fs", "ext4");
	const char *to_read = param("jimg.read", "/hello.txt");
	const char *to_write = param("jimg.write", "/written.bin");
	long long size = param_num("jimg.size", MIB);
	unsigned long long seed = param_num("jimg.seed", 1);
	/* fill_pattern() writes whole words: room for a file length not a multiple of 8 */
	unsigned char *buf = map_buffer(MAX_IO + 8, 0);
	char read_path[PATH_LIMIT], write_path[PATH_LIMIT];
	struct file_digest written, read_back;

	if (!buf)
		fail("mmap", 0, errno);
	under_mnt(write_path, sizeof(write_path), to_write);
	wait_for_device(dev);
	mount_fs(dev, fs);
	if (strcmp(to_read, "-"))
		report_digest("read", to_read,
			      digest_file(under_mnt(read_path, sizeof(read_path), to_read), buf));
	written = write_pattern_file(write_path, size, seed, buf);
	begin("JIMG-RESULT:");
	put_kv("write.seed", seed);
	emit();
	report_digest("write", to_write, written);
	unmount_fs();
	mount_fs(dev, fs);
	read_back = digest_file(write_path, buf);
	report_digest("readback", to_write, read_back);
	unmount_fs();
	sync_all();
	if (read_back.length != written.length || read_back.crc32 != written.crc32)
		fail("readback-mismatch", to_write, 0);
}

/* ----------------------------------------------------------- stress -- */

struct worker_result {
	long mismatched_sectors;
	long io_errors;
	long long bytes;
};

/* A random request length in pages, clipped to what is left. */
static size_t random_chunk(long long left)
{
	long long n = (long long)(next_random() % STRESS_MAX_PAGES + 1) * DIRECT_ALIGN;

	return n < left ? n : left;
}

/*
 * One worker's share: writes its region in random-sized pieces with the
 * round's pattern, then reads it back cut differently. O_DIRECT keeps the
 * page cache out, so every read goes to the device.
 */
static void stress_worker(const char *dev, int index, long long base, long long region,
			  int rounds, unsigned long long seed, struct worker_result *result)
{
	size_t max = STRESS_MAX_PAGES * DIRECT_ALIGN;
	unsigned char *buf = map_buffer(max, 0);
	unsigned char *expected = map_buffer(max, 0);
	int fd = open(dev, O_RDWR | O_DIRECT);

	if (fd < 0 || !buf || !expected) {
		result->io_errors++;
		return;
	}
	rng_state = seed * 1000003 + index;
	for (int round = 0; round < rounds; round++) {
		unsigned long long round_seed = seed + round;

		for (long long off = 0; off < region;) {
			size_t n = random_chunk(region - off);

			fill_pattern(buf, n, round_seed, base + off);
			if (pwrite_at(fd, buf, n, base + off) != (long)n)
				result->io_errors++;
			result->bytes += n;
			off += n;
		}
		if (fsync(fd) < 0)
			result->io_errors++;
		for (long long off = 0; off < region;) {
			size_t n = random_chunk(region - off);

			if (pread_at(fd, buf, n, base + off) != (long)n)
				result->io_errors++;
			else
				result->mismatched_sectors +=
					count_bad_sectors(buf, n, round_seed, base + off, expected);
			result->bytes += n;
			off += n;
		}
	}
	close(fd);
}

/*
 * Forks workers that each own a region of the raw device. Afterwards the
 * device holds the pattern of seed + rounds - 1 over all the regions.
 */
void test_stress(const char *dev)
{
	long long procs = param_num("jimg.procs", 4);
	long long region = param_num("jimg.region", 4 * MIB);
	long long offset = param_num("jimg.offset", 0);
	long long rounds = param_num("jimg.rounds", 2);
	unsigned long long seed = param_num("jimg.seed", 1);
	struct worker_result *results = map_buffer(sizeof(*results) * MAX_PROCS, 1);
	struct worker_result total = { 0, 0, 0 };
	long long start;

	if (procs < 1 || procs > MAX_PROCS || rounds < 1 || region < DIRECT_ALIGN ||
	    region % DIRECT_ALIGN || offset % DIRECT_ALIGN)
		fail("bad-parameter", "jimg.procs/jimg.rounds/jimg.region/jimg.offset", 0);
	if (!results)
		fail("mmap", 0, errno);
	wait_for_device(dev);
	start = now_us(CLOCK_MONOTONIC);
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			fail("fork", 0, errno);
		if (pid == 0) {
			stress_worker(dev, i, offset + i * region, region, rounds, seed, &results[i]);
			exit(0);
		}
	}
	for (int i = 0; i < procs; i++) {
		int status;

		if (waitpid(-1, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			total.io_errors++;
	}
	for (int i = 0; i < procs; i++) {
		total.mismatched_sectors += results[i].mismatched_sectors;
		total.io_errors += results[i].io_errors;
		total.bytes += results[i].bytes;
	}
	begin("JIMG-RESULT:");
	put_kv("stress.procs", procs);
	put_kv("stress.rounds", rounds);
	put_kv("stress.bytes", total.bytes);
	put_kv("stress.ms", (now_us(CLOCK_MONOTONIC) - start) / 1000);
	put_kv("stress.mismatched_sectors", total.mismatched_sectors);
	put_kv("stress.io_errors", total.io_errors);
	emit();
	if (total.mismatched_sectors || total.io_errors)
		fail("stress-data-errors", dev, 0);
}

/* ------------------------------------------------------------ bench -- */

static void put_phase_key(const char *phase, const char *key)
{
	put_str(" bench.");
	put_str(phase);
	put_str(key);
}

/* "JIMG-RESULT: bench.<phase>.mbps=<MB/s> bench.<phase>.iops=<n> bench.<phase>.us=<n>", MB = 10^6 bytes */
static void report_rate(const char *phase, long long bytes, long ops, long long us)
{
	if (us <= 0)
		us = 1;
	begin("JIMG-RESULT:");
	put_phase_key(phase, ".mbps=");
	put_milli((unsigned long long)bytes * 1000 / us);
	put_phase_key(phase, ".iops=");
	put_u64((unsigned long long)ops * 1000000 / us);
	put_phase_key(phase, ".us=");
	put_u64(us);
	emit();
}

/* One phase: region/bs requests of bs bytes, in order or at random aligned offsets. */
static void bench_phase(int fd, const char *phase, int writing, int random, long long offset,
			long long region, long bs, unsigned char *buf)
{
	long ops = region / bs;
	long long start = now_us(CLOCK_MONOTONIC);

	rng_state = 42;
	for (long i = 0; i < ops; i++) {
		long long off = offset + (random ? (long long)(next_random() % ops) : i) * bs;
		long n = writing ? pwrite_at(fd, buf, bs, off) : pread_at(fd, buf, bs, off);

		if (n != bs)
			fail("bench-io", phase, n < 0 ? -n : 0);
	}
	if (writing && fsync(fd) < 0)
		fail("fsync", phase, errno);
	report_rate(phase, (long long)ops * bs, ops, now_us(CLOCK_MONOTONIC) - start);
}

void test_bench(const char *dev)
{
	long long region = param_num("jimg.region", 16 * MIB);
	long long offset = param_num("jimg.offset", 0);
	long long bs = param_num("jimg.bs", 4096);
	unsigned char *buf = map_buffer(MAX_IO, 0);
	int fd;

	if (bs < SECTOR || bs > MAX_IO || bs % SECTOR || region < bs || offset % bs)
		fail("bad-parameter", "jimg.bs/jimg.region/jimg.offset", 0);
	if (!buf)
		fail("mmap", 0, errno);
	wait_for_device(dev);
	fd = open(dev, O_RDWR | O_DIRECT);
	begin("JIMG-RESULT:");
	put_kv("bench.direct", fd >= 0);
	put_kv("bench.bs", bs);
	put_kv("bench.region", region);
	emit();
	if (fd < 0)
		fd = open(dev, O_RDWR);
	if (fd < 0)
		fail("open", dev, errno);
	fill_pattern(buf, bs, 7, 0);
	bench_phase(fd, "seqwrite", 1, 0, offset, region, bs, buf);
	bench_phase(fd, "seqread", 0, 0, offset, region, bs, buf);
	bench_phase(fd, "randwrite", 1, 1, offset, region, bs, buf);
	bench_phase(fd, "randread", 0, 1, offset, region, bs, buf);
	close(fd);
}
