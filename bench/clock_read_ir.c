// bench/clock_read_ir.c — how many instructions one
// clock_gettime(CLOCK_MONOTONIC_COARSE) costs natively (through the vDSO),
// counted exactly by single-stepping a child with ptrace. Used by
// bench/admin_cost_ir.sh: valgrind runs programs without the vDSO, so there a
// clock read is a system call whose kernel side callgrind does not count;
// the script adds this native count per read instead.
//
// The child stops itself, runs the measured section, stops again; the parent
// single-steps from the first stop to the second and counts the steps. The
// same with an empty section is subtracted (the raise() around it).
//
// Build: gcc -O2 -o clock_read_ir bench/clock_read_ir.c
// Prints: the instructions of one coarse clock read (median of 9 tries).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long steps(int with_clock) {
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(1);
  }
  if (pid == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); // warm: PLT binding, vDSO lookup
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    raise(SIGSTOP);
    if (with_clock)
      clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    raise(SIGSTOP);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0); // first SIGSTOP
  long n = 0;
  for (;;) {
    if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0) {
      perror("ptrace");
      exit(1);
    }
    waitpid(pid, &st, 0);
    if (!WIFSTOPPED(st))
      break;
    if (WSTOPSIG(st) == SIGSTOP)
      break; // the second raise()
    ++n;
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return n;
}

static int cmp(const void* a, const void* b) {
  long x = *(const long*)a, y = *(const long*)b;
  return (x > y) - (x < y);
}

int main(void) {
  long d[9];
  for (int i = 0; i < 9; ++i)
    d[i] = steps(1) - steps(0);
  qsort(d, 9, sizeof d[0], cmp);
  printf("%ld\n", d[4]);
  return 0;
}
