// tests/testutil/wal_push_probe.hpp — for actor tests of the WAL (G9): sends
// a push to an ingester from a throwaway actor and records its reply and how
// many segment writes (fs_op::append) the WAL's file system had seen when the
// reply arrived, so a test can tell "acked after its write" from "acked
// before". Runs on the test coordinator like everything else: nothing
// happens until the test runs the scheduler.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "messages/interfaces/ingester_actor.hpp"
#include "runtime/wal/test_fs.hpp"

namespace skald::testutil {

struct wal_push_probe {
  std::optional<ingest_reply> reply;
  /// fs.calls(append) when the reply arrived.
  size_t appends_at_reply = 0;
};

/// `fs` must outlive the reply.
inline std::shared_ptr<wal_push_probe>
send_probed_push(caf::actor_system& sys, const ingester_actor& ing, ingest_ptr b,
                 const wal::fault_injection_file_system& fs) {
  auto p = std::make_shared<wal_push_probe>();
  const auto* f = &fs;
  sys.spawn([ing, b, p, f](caf::event_based_actor* self) {
    self->request(ing, caf::infinite, push_atom_v, b).then([p, f](ingest_reply& r) {
      p->reply = r;
      p->appends_at_reply = f->calls(wal::fs_op::append);
    });
  });
  return p;
}

} // namespace skald::testutil
