// tests/testutil/caf_fixture.hpp — gtest fixture over CAF's deterministic
// test coordinator (G9): no scheduler threads, no sleeps.
//
//   sched.run()                 runs every pending message
//   sched.advance_time(5s)      moves the actor clock; timeouts and
//                               delayed_sends due by then fire on the next run()
//   ask<T>(h, xs...)            request -> run -> receive, returns the T (fails
//                               the test on an error)
// Every actor a test spawns must be registered with keep(h) (or exited by the
// test), so the fixture can send it an exit before ~actor_system, which would
// otherwise wait forever.
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include "messages/registration.hpp"

namespace skald::testutil {

class caf_fixture : public ::testing::Test {
public:
  caf_fixture() {
    register_messages(cfg_);
    cfg_.set("scheduler.policy", caf::atom("testing"));
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
    self_ = std::make_unique<caf::scoped_actor>(*sys_);
  }

  ~caf_fixture() override {
    for (auto& h : kept_)
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched_->run();
    self_.reset();
    sched_->run();
    sys_.reset();
  }

  caf::actor_system& sys() { return *sys_; }
  caf::scheduler::test_coordinator& sched() { return *sched_; }
  caf::scoped_actor& self() { return *self_; }

  /// Remembers `h` so the fixture stops it at the end.
  template <class Handle>
  Handle keep(Handle h) {
    kept_.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  /// Asks `h` and returns the reply (nullopt, with a test failure, on error).
  template <class T, class Handle, class... Ts>
  std::optional<T> ask(const Handle& h, Ts&&... xs) {
    std::optional<T> out;
    auto rh = (*self_)->request(h, caf::infinite, std::forward<Ts>(xs)...);
    sched_->run();
    rh.receive([&](T& x) { out = std::move(x); },
               [&](caf::error& e) { ADD_FAILURE() << "request failed: " << sys_->render(e); });
    return out;
  }

private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::unique_ptr<caf::scoped_actor> self_;
  std::vector<caf::actor> kept_;
};

} // namespace skald::testutil
