// bench/fixed_realtime.c — an LD_PRELOAD shim that makes CLOCK_REALTIME
// answer one fixed instant ($FIXED_REALTIME_NS, nanoseconds since the epoch),
// so that ../shared/tools/loadgen generates byte-identical bodies in every run
// (its timestamps and the `ts=` text of its lines start from the wall clock;
// the rest comes from its seeded rng). Other clocks are untouched, so its
// timing still works. Used by bench/admin_cost_ir.sh, which compares
// instruction counts of two builds over the exact same input.
//
// Build: gcc -O2 -shared -fPIC -o fixed_realtime.so bench/fixed_realtime.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

int clock_gettime(clockid_t clk, struct timespec* ts) {
  static int (*real)(clockid_t, struct timespec*);
  const char* fixed = getenv("FIXED_REALTIME_NS");
  if (clk == CLOCK_REALTIME && fixed != NULL) {
    long long ns = atoll(fixed);
    ts->tv_sec = (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
    return 0;
  }
  if (real == NULL)
    real = (int (*)(clockid_t, struct timespec*))dlsym(RTLD_NEXT, "clock_gettime");
  return real(clk, ts);
}
