// runtime/util/thread_priority.cpp — see thread_priority.hpp.
#include "runtime/util/thread_priority.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace skald::util {

namespace {

id_t this_tid() {
  return static_cast<id_t>(::syscall(SYS_gettid));
}

} // namespace

status set_this_thread_nice(int nice) {
  if (nice == 0)
    return {};
  if (nice < -20 || nice > 19)
    return status{errc::invalid_argument, "nice value " + std::to_string(nice) + " outside -20..19"};
  if (::setpriority(PRIO_PROCESS, this_tid(), nice) != 0) {
    const int e = errno;
    return status{errc::unavailable, "setpriority(" + std::to_string(nice) + "): " + std::strerror(e)};
  }
  return {};
}

int this_thread_nice() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, this_tid());
}

} // namespace skald::util
