// runtime/util/thread_priority.hpp — the scheduling priority (nice value) of
// the calling thread, for the few latency-critical threads whose wake-ups a
// push waits for (the WAL writer: a push is answered right after its write
// returns, and on a busy node a thread that wakes from I/O otherwise queues
// behind the CPU-bound workers).
//
//   if (auto st = util::set_this_thread_nice(-10); !st) log(st.message());
//
// Linux: setpriority(PRIO_PROCESS, gettid()) changes one thread only. A
// negative value needs CAP_SYS_NICE or RLIMIT_NICE; without them the call
// fails (EPERM/EACCES) and nothing changes.
// Owner: the thread itself (call it from that thread). No state.
#pragma once

#include "runtime/util/status.hpp"

namespace skald::util {

/// Sets the calling thread's nice value (-20..19). 0 is a no-op that
/// always succeeds.
status set_this_thread_nice(int nice);

/// The calling thread's nice value.
int this_thread_nice();

} // namespace skald::util
