#include "alloc_counter.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace skald::bench {

namespace {

std::atomic<uint64_t> calls{0};
std::atomic<int64_t> live{0};

void* counted_alloc(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr)
    throw std::bad_alloc{};
  calls.fetch_add(1, std::memory_order_relaxed);
  live.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}

void counted_free(void* p) noexcept {
  if (p == nullptr)
    return;
  live.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}

} // namespace

uint64_t alloc_calls() noexcept {
  return calls.load(std::memory_order_relaxed);
}

int64_t live_heap_bytes() noexcept {
  return live.load(std::memory_order_relaxed);
}

} // namespace skald::bench

void* operator new(size_t n) {
  return skald::bench::counted_alloc(n);
}
void* operator new[](size_t n) {
  return skald::bench::counted_alloc(n);
}
void operator delete(void* p) noexcept {
  skald::bench::counted_free(p);
}
void operator delete[](void* p) noexcept {
  skald::bench::counted_free(p);
}
void operator delete(void* p, size_t) noexcept {
  skald::bench::counted_free(p);
}
void operator delete[](void* p, size_t) noexcept {
  skald::bench::counted_free(p);
}
