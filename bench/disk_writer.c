// bench/disk_writer.c — a paced O_DIRECT writer, to measure what disk writes
// at the WAL's rate cost a skald that writes nothing itself (docs/benchmarks.md,
// "WAL cost, part 7"): run it beside `tid.sh`-style or bench/push_ab.sh runs
// with the WAL off and compare against runs without it.
//
// Usage: disk_writer FILE MB_PER_S SECONDS CHUNK_KB
//   pwrite(2)s CHUNK_KB from one aligned buffer every CHUNK/MB_PER_S seconds
//   into FILE (fallocated to 1 GiB, written round and round), for SECONDS;
//   prints the count and rate on stderr. FILE must be on the disk, not a tmpfs.
// Build: gcc -O2 -o /tmp/disk_writer bench/disk_writer.c
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: disk_writer FILE MB_PER_S SECONDS CHUNK_KB\n");
    return 2;
  }
  const long size = 1L << 30;
  const double mbps = atof(argv[2]);
  const double secs = atof(argv[3]);
  const size_t chunk = (size_t)atol(argv[4]) * 1024;
  if (mbps <= 0 || secs <= 0 || chunk == 0 || chunk % 4096 != 0 || chunk > (size_t)size) {
    fprintf(stderr, "disk_writer: MB_PER_S and SECONDS > 0, CHUNK_KB a multiple of 4\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_CREAT | O_DIRECT, 0644);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  int err = posix_fallocate(fd, 0, size);
  if (err != 0) {
    fprintf(stderr, "fallocate: %s\n", strerror(err));
    return 1;
  }
  void* buf = NULL;
  if (posix_memalign(&buf, 4096, chunk) != 0) {
    fprintf(stderr, "no memory\n");
    return 1;
  }
  memset(buf, 'x', chunk);
  const double interval = (double)chunk / (mbps * 1e6);
  const double t0 = now();
  double next = t0;
  long off = 0;
  long n = 0;
  while (now() - t0 < secs) {
    if (pwrite(fd, buf, chunk, off) != (ssize_t)chunk) {
      perror("pwrite");
      return 1;
    }
    off = (off + (long)chunk) % size;
    ++n;
    next += interval;
    const double d = next - now();
    if (d > 0)
      usleep((useconds_t)(d * 1e6));
  }
  const double took = now() - t0;
  fprintf(stderr, "wrote %ld x %zu KB in %.1f s: %.0f MB/s\n", n, chunk / 1024, took,
          (double)n * (double)chunk / 1e6 / took);
  free(buf);
  close(fd);
  return 0;
}
