// bench/wal_dio_latency.c — latency of one WAL-sized O_DIRECT pwrite(2) by
// how the segment file's blocks were prepared: what preallocating segments
// would save per group commit (docs/benchmarks.md, walcost session 5).
//
// Each mode writes N consecutive blocks of SIZE bytes to a fresh file in DIR
// (which must be on the disk, not a tmpfs) and prints the median, p90 and
// p99 of the pwrite(2) calls:
//   extend    O_DIRECT appends that grow the file (what the WAL does now)
//   falloc    fallocate(2) of the whole file first (unwritten extents)
//   zeroed    the whole file written with zeros and fdatasync'd first
//             (the writes are pure overwrites of initialized blocks)
//   buffered  no O_DIRECT: copies into the page cache
//
// Build: gcc -O2 -o wal_dio_latency bench/wal_dio_latency.c
// Run:   ./wal_dio_latency DIR [SIZE=212992] [N=400]
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static int run(const char* dir, const char* mode, size_t size, int n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/wal_dio_latency.%d", dir, (int)getpid());
  unlink(path);
  int direct = strcmp(mode, "buffered") != 0;
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | (direct ? O_DIRECT : 0), 0644);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  size_t total = (size_t)n * size + 4096;
  char* buf;
  if (posix_memalign((void**)&buf, 4096, size) != 0)
    return 1;
  memset(buf, 'x', size);
  if (strcmp(mode, "falloc") == 0 && fallocate(fd, 0, 0, (off_t)total) != 0) {
    perror("fallocate");
    return 1;
  }
  if (strcmp(mode, "zeroed") == 0) {
    size_t chunk = 1 << 20;
    char* z;
    if (posix_memalign((void**)&z, 4096, chunk) != 0)
      return 1;
    memset(z, 0, chunk);
    for (size_t off = 0; off < total; off += chunk)
      if (pwrite(fd, z, chunk, (off_t)off) != (ssize_t)chunk) {
        perror("pwrite zeros");
        return 1;
      }
    fdatasync(fd);
    free(z);
  }
  double* lat = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < n; ++i) {
    double t0 = now_us();
    if (pwrite(fd, buf, size, (off_t)i * (off_t)size) != (ssize_t)size) {
      perror("pwrite");
      return 1;
    }
    lat[i] = now_us() - t0;
  }
  qsort(lat, (size_t)n, sizeof(double), cmp);
  printf("%-8s %7zu bytes: p50 %6.1f us  p90 %6.1f us  p99 %7.1f us\n", mode, size, lat[n / 2],
         lat[n * 9 / 10], lat[n * 99 / 100]);
  close(fd);
  unlink(path);
  free(lat);
  free(buf);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DIR [SIZE] [N]\n", argv[0]);
    return 2;
  }
  size_t size = argc > 2 ? (size_t)atol(argv[2]) : 212992;
  int n = argc > 3 ? atoi(argv[3]) : 400;
  if (size == 0 || size % 4096 != 0 || n < 10) {
    fprintf(stderr, "SIZE must be a positive multiple of 4096, N >= 10\n");
    return 2;
  }
  const char* modes[] = {"extend", "falloc", "zeroed", "buffered"};
  for (int i = 0; i < 4; ++i)
    if (run(argv[1], modes[i], size, n) != 0)
      return 1;
  return 0;
}
