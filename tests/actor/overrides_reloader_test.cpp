// The runtime_config.file reloader on the test coordinator: reloads every
// period, a bad file keeps the previous limits (and reports the error).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include <caf/type_id.hpp>

#include "actors/limits/overrides_reloader.hpp"
#include "messages/type_ids.hpp"
#include "runtime/limits/overrides.hpp"
#include "testutil/caf_fixture.hpp"

// G14: every write-path reply type has a type ID (they will travel between nodes).
static_assert(caf::has_type_id<skald::ingest_reply>::value, "ingest_reply needs a type ID");
static_assert(caf::has_type_id<skald::stream_reply>::value, "stream_reply needs a type ID");
static_assert(caf::has_type_id<skald::stream_stats>::value, "stream_stats needs a type ID");
static_assert(caf::has_type_id<skald::stream_dump>::value, "stream_dump needs a type ID");
static_assert(caf::has_type_id<skald::ingester_stats>::value, "ingester_stats needs a type ID");
static_assert(std::is_nothrow_move_constructible_v<skald::ingest_reply>);
static_assert(std::is_nothrow_move_constructible_v<skald::stream_reply>);

namespace skald {
namespace {

using namespace std::chrono_literals;

class overrides_reloader : public testutil::caf_fixture {
protected:
  void write(const std::string& text) {
    std::ofstream f{path_};
    f << text;
  }

  std::string path_ = ::testing::TempDir() + "/skald_reloader_test.yaml";
};

TEST_F(overrides_reloader, reloads_every_period_and_keeps_old_values_on_a_bad_file) {
  write("overrides:\n  t1:\n    max_streams_per_user: 1\n");
  auto limits = std::make_shared<limits::overrides>(config::limits_config{}, path_);
  ASSERT_TRUE(limits->reload().ok());
  auto errors = std::make_shared<int>(0);
  keep(actors::spawn_overrides_reloader(sys(), limits, 10s,
                                        [errors](const std::string&) { ++*errors; }));
  sched().run();

  write("overrides:\n  t1:\n    max_streams_per_user: 2\n");
  sched().advance_time(9s);
  sched().run();
  EXPECT_EQ(limits->current()->for_tenant("t1").max_streams_per_user, 1); // not yet
  sched().advance_time(1s);
  sched().run();
  EXPECT_EQ(limits->current()->for_tenant("t1").max_streams_per_user, 2);

  write("overrides:\n  t1:\n    no_such_limit: 3\n");
  sched().advance_time(10s);
  sched().run();
  EXPECT_EQ(*errors, 1);
  EXPECT_EQ(limits->current()->for_tenant("t1").max_streams_per_user, 2);

  write("overrides:\n  t1:\n    max_streams_per_user: 4\n");
  sched().advance_time(10s);
  sched().run();
  EXPECT_EQ(limits->current()->for_tenant("t1").max_streams_per_user, 4);
}

} // namespace
} // namespace skald
