// bench/first_touch.c — what a first touch of fresh anonymous memory costs on
// this machine, with 4 KiB pages and with transparent huge pages
// (MADV_HUGEPAGE), in CPU µs per 4 KiB. Held chunk data is fresh memory, so
// this is the page-fault part of skald's CPU per pushed line
// (docs/benchmarks.md, section pushmem).
//
// Build: gcc -O2 -o /tmp/first_touch bench/first_touch.c
// Usage: /tmp/first_touch MIB ROUNDS PAUSE_S   (e.g. 1024 3 4)
//   each round maps MIB MiB twice (4 KiB pages, then MADV_HUGEPAGE), writes one
//   byte per 4 KiB, unmaps; PAUSE_S seconds between mappings (a VM with free
//   page reporting hands memory freed seconds ago back to the host).
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double touch(size_t bytes, int huge) {
  const size_t align = (size_t)2 << 20;
  char* raw = mmap(NULL, bytes + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  char* p = (char*)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
  if (madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
    perror("madvise");
  double t0 = cpu_s();
  for (size_t i = 0; i < bytes; i += 4096)
    p[i] = 1;
  double us = (cpu_s() - t0) * 1e6 / (double)(bytes / 4096);
  munmap(raw, bytes + align);
  return us;
}

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  int pause_s = argc > 3 ? atoi(argv[3]) : 4;
  for (int r = 0; r < rounds; ++r) {
    sleep(pause_s);
    double small = touch(mib << 20, 0);
    sleep(pause_s);
    double huge = touch(mib << 20, 1);
    printf("round %d: 4 KiB pages %.2f us/4KiB, MADV_HUGEPAGE %.2f us/4KiB (CPU time)\n", r + 1,
           small, huge);
  }
  return 0;
}
