// The zero-copy logproto decoder against libprotobuf's parser, and its
// behaviour on malformed wire data (gogo Unmarshal semantics).
#include "runtime/push/proto_decode.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/testutil/push_bodies.hpp"

namespace skald::push {
namespace {

using testing::make_proto;
using testing::test_stream;

std::string serialize(const logproto::PushRequest& req) {
  std::string out;
  req.SerializeToString(&out);
  return out;
}

std::vector<test_stream> sample_streams() {
  return {
      {R"({app="web", env="prod"})",
       {{1700000000123456789, "GET /index.html 200", {}},
        {1700000000123456790, "", {{"trace_id", "abc"}, {"span", "1"}}},
        {-1500000000, std::string("bin\0ary \xc3\xa9", 10), {}}}},
      {"", {}},
      {R"({job="foo"})", {{0, "epoch", {{"", ""}}}}},
  };
}

void expect_same(const std::vector<raw_stream>& got, const logproto::PushRequest& want) {
  ASSERT_EQ(got.size(), static_cast<size_t>(want.streams_size()));
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& ws = want.streams(static_cast<int>(i));
    EXPECT_EQ(got[i].labels, ws.labels());
    ASSERT_EQ(got[i].entries.size(), static_cast<size_t>(ws.entries_size()));
    for (size_t j = 0; j < got[i].entries.size(); ++j) {
      const auto& we = ws.entries(static_cast<int>(j));
      const auto& ge = got[i].entries[j];
      EXPECT_EQ(ge.ts, we.timestamp().seconds() * 1000000000 + we.timestamp().nanos());
      EXPECT_EQ(ge.line, we.line());
      if (we.structuredmetadata_size() == 0) {
        EXPECT_EQ(ge.metadata, nullptr);
      } else {
        ASSERT_NE(ge.metadata, nullptr);
        ASSERT_EQ(ge.metadata->size(), static_cast<size_t>(we.structuredmetadata_size()));
        for (int k = 0; k < we.structuredmetadata_size(); ++k) {
          EXPECT_EQ((*ge.metadata)[static_cast<size_t>(k)].name, we.structuredmetadata(k).name());
          EXPECT_EQ((*ge.metadata)[static_cast<size_t>(k)].value, we.structuredmetadata(k).value());
        }
      }
    }
  }
}

TEST(proto_decode, agrees_with_libprotobuf_on_generated_bodies) {
  auto req = make_proto(sample_streams());
  req.set_format("loki");
  req.mutable_streams(0)->set_hash(12345);
  auto wire = serialize(req);
  std::deque<model::label_set> md;
  auto got = decode_push_request_proto(wire, md);
  ASSERT_TRUE(got.ok()) << got.error().message();
  expect_same(*got, req);
  // Lines are views into the input buffer: zero-copy.
  const auto& line = (*got)[0].entries[0].line;
  EXPECT_GE(line.data(), wire.data());
  EXPECT_LE(line.data() + line.size(), wire.data() + wire.size());
}

TEST(proto_decode, agrees_with_libprotobuf_on_random_bodies) {
  std::mt19937_64 rng{42};
  for (int round = 0; round < 200; ++round) {
    std::vector<test_stream> streams(rng() % 4);
    for (auto& s : streams) {
      s.labels = "{a=\"" + std::to_string(rng() % 100) + "\"}";
      s.entries.resize(rng() % 5);
      for (auto& e : s.entries) {
        e.ts_ns = static_cast<int64_t>(rng() % 4000000000000000000ull);
        e.line = std::string(rng() % 300, static_cast<char>('a' + rng() % 26));
        for (size_t k = rng() % 3; k > 0; --k)
          e.metadata.emplace_back("k" + std::to_string(k), std::string(rng() % 10, 'v'));
      }
    }
    auto req = make_proto(streams);
    auto wire = serialize(req); // outlives the views
    std::deque<model::label_set> md;
    auto got = decode_push_request_proto(wire, md);
    ASSERT_TRUE(got.ok()) << got.error().message();
    expect_same(*got, req);
  }
}

TEST(proto_decode, every_truncation_is_an_error_or_a_prefix_libprotobuf_also_accepts) {
  google::protobuf::LogSilencer quiet; // prefixes that cut a UTF-8 rune make libprotobuf log
  auto wire = serialize(make_proto(sample_streams()));
  for (size_t n = 0; n < wire.size(); ++n) {
    std::string prefix = wire.substr(0, n);
    logproto::PushRequest ref;
    bool ref_ok = ref.ParseFromString(prefix);
    std::deque<model::label_set> md;
    auto got = decode_push_request_proto(prefix, md);
    EXPECT_EQ(got.ok(), ref_ok) << "prefix length " << n << " of " << wire.size() << ": "
                                << ::testing::PrintToString(prefix.substr(n > 12 ? n - 12 : 0));
    if (got.ok() && ref_ok)
      expect_same(*got, ref);
  }
}

TEST(proto_decode, unknown_fields_of_every_wire_type_are_skipped) {
  auto req = make_proto({{R"({a="b"})", {{5, "x", {}}}}});
  auto wire = serialize(req);
  // Append to PushRequest: field 15 varint, field 16 fixed64, field 17 bytes,
  // field 18 fixed32, field 19 group { field 1 varint } end group.
  std::string extra = "\x78\x01"                                 // 15:varint 1
                      "\x81\x01\x01\x02\x03\x04\x05\x06\x07\x08" // 16:fixed64
                      "\x8a\x01\x02zz"                           // 17:bytes "zz"
                      "\x95\x01\x01\x02\x03\x04"                 // 18:fixed32
                      "\x9b\x01\x08\x01\x9c\x01";                // 19:group{1:1}
  auto with_extra = wire + extra;
  logproto::PushRequest ref;
  ASSERT_TRUE(ref.ParseFromString(with_extra));
  std::deque<model::label_set> md;
  auto got = decode_push_request_proto(with_extra, md);
  ASSERT_TRUE(got.ok()) << got.error().message();
  expect_same(*got, req);
}

TEST(proto_decode, malformed_wire_data_has_gogo_errors) {
  struct c {
    const char* name;
    std::string wire;
    std::string want;
  };
  const c cases[] = {
      {"streams as varint", std::string("\x08\x01", 2),
       "proto: wrong wireType = 0 for field Streams"},
      {"length past end", std::string("\x0a\x05\x0a", 3), "unexpected EOF"},
      {"truncated varint", std::string("\x0a", 1), "unexpected EOF"},
      {"varint too long", std::string("\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),
       "proto: integer overflow"},
      {"field zero", std::string("\x02\x00", 2), "proto: PushRequest: illegal tag 0 (wire type 2)"},
      {"end group", std::string("\x0c", 1), "proto: PushRequest: wiretype end group for non-group"},
      {"wire type 7", std::string("\x1f", 1), "proto: illegal wireType 7"},
      {"wire type 7 on a known field", std::string("\x0f", 1),
       "proto: wrong wireType = 7 for field Streams"},
      {"labels as varint", std::string("\x0a\x02\x08\x01", 4),
       "proto: wrong wireType = 0 for field Labels"},
      {"line as varint", std::string("\x0a\x04\x12\x02\x10\x01", 6),
       "proto: wrong wireType = 0 for field Line"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    std::deque<model::label_set> md;
    auto got = decode_push_request_proto(k.wire, md);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code(), errc::invalid_argument);
    EXPECT_EQ(got.error().message(), k.want);
  }
}

TEST(proto_decode, timestamps_outside_go_range_are_rejected) {
  struct c {
    int64_t seconds;
    int32_t nanos;
    std::string want;
  };
  const c cases[] = {
      {-62135596801, 0, "timestamp: seconds:-62135596801 nanos:0 before 0001-01-01"},
      {253402300800, 0, "timestamp: seconds:253402300800 nanos:0 after 10000-01-01"},
      {0, -1, "timestamp: seconds:0 nanos:-1: nanos not in range [0, 1e9)"},
      {0, 1000000000, "timestamp: seconds:0 nanos:1000000000: nanos not in range [0, 1e9)"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.want);
    logproto::PushRequest req;
    auto* e = req.add_streams()->add_entries();
    e->mutable_timestamp()->set_seconds(k.seconds);
    e->mutable_timestamp()->set_nanos(k.nanos);
    std::deque<model::label_set> md;
    auto got = decode_push_request_proto(serialize(req), md);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().message(), k.want);
  }
}

TEST(proto_decode, timestamps_beyond_int64_nanoseconds_saturate) {
  logproto::PushRequest req;
  auto* s = req.add_streams();
  s->add_entries()->mutable_timestamp()->set_seconds(253402300799); // 9999-12-31
  s->add_entries()->mutable_timestamp()->set_seconds(-62135596800); // 0001-01-01
  s->add_entries();                                                 // absent: Go zero time
  std::deque<model::label_set> md;
  auto got = decode_push_request_proto(serialize(req), md);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].entries[0].ts, INT64_MAX);
  EXPECT_EQ((*got)[0].entries[1].ts, INT64_MIN);
  EXPECT_EQ((*got)[0].entries[2].ts, INT64_MIN);
}

TEST(proto_decode, invalid_utf8_strings_are_accepted_like_gogo) {
  std::string wire;
  logproto::PushRequest req;
  auto* e = req.add_streams()->add_entries();
  e->set_line(std::string("ok"));
  wire = serialize(req);
  // Patch the line bytes to invalid UTF-8 (libprotobuf would refuse to parse
  // it back as proto3 string; gogo does not check).
  auto pos = wire.find("ok");
  wire[pos] = '\xff';
  wire[pos + 1] = '\xfe';
  std::deque<model::label_set> md;
  auto got = decode_push_request_proto(wire, md);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].entries[0].line, "\xff\xfe");
}

TEST(proto_decode, last_scalar_occurrence_wins_and_parsed_is_dropped) {
  // Stream { labels: "x", labels: "{a=\"b\"}", entries: { line: "1", line: "2", parsed: {name:"p"}
  // } }
  std::string entry = std::string("\x12\x01") + "1" + "\x12\x01" + "2" + "\x22\x03\x0a\x01p";
  std::string stream = std::string("\x0a\x01x") + "\x0a\x07{a=\"b\"}" + "\x12" +
                       static_cast<char>(entry.size()) + entry;
  std::string wire = std::string("\x0a") + static_cast<char>(stream.size()) + stream;
  std::deque<model::label_set> md;
  auto got = decode_push_request_proto(wire, md);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ((*got)[0].labels, R"({a="b"})");
  EXPECT_EQ((*got)[0].entries[0].line, "2");
  EXPECT_EQ((*got)[0].entries[0].metadata, nullptr);
}

// decode_stream's fast path takes entries of exactly {timestamp{seconds,
// nanos}, line} with one-byte tags; every other shape must fall back to the
// general decoder and decode the same (here: as libprotobuf does).
TEST(proto_decode, entries_outside_the_fast_shape_decode_like_libprotobuf) {
  auto entry_in_stream = [](const std::string& entry) {
    std::string stream =
        std::string("\x0a\x07{a=\"b\"}") + "\x12" + static_cast<char>(entry.size()) + entry;
    return std::string("\x0a") + static_cast<char>(stream.size()) + stream;
  };
  const std::string secs = std::string("\x08\x80\xa8\xd6\xb9\x07"); // 1999998976
  const std::string nanos = std::string("\x10\x07");
  auto ts = [](const std::string& body) {
    return std::string("\x0a") + static_cast<char>(body.size()) + body;
  };
  struct c {
    const char* name;
    std::string entry;
  };
  const c cases[] = {
      {"fast shape", ts(secs + nanos) + "\x12\x02hi"},
      {"nanos before seconds", ts(nanos + secs) + "\x12\x02hi"},
      {"line before timestamp", std::string("\x12\x02hi") + ts(secs + nanos)},
      {"empty timestamp", ts("") + "\x12\x02hi"},
      {"two-byte tag for seconds", ts(std::string("\x88\x00\x05", 3)) + "\x12\x02hi"},
      {"two-byte tag for the line", ts(secs) + std::string("\x92\x00\x02hi", 5)},
      {"unknown field in timestamp", ts(secs + "\x18\x01") + "\x12\x02hi"},
      {"unknown field in entry", ts(secs) + "\x28\x01" + "\x12\x02hi"},
      {"structured metadata", ts(secs) + "\x12\x02hi" + "\x1a\x06\x0a\x01k\x12\x01v"},
      {"ten-byte varint seconds",
       ts(std::string("\x08\x81\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11))},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    auto wire = entry_in_stream(k.entry);
    logproto::PushRequest ref;
    ASSERT_TRUE(ref.ParseFromString(wire));
    std::deque<model::label_set> md;
    auto got = decode_push_request_proto(wire, md);
    ASSERT_TRUE(got.ok()) << got.error().message();
    expect_same(*got, ref);
  }
  // Where gogo differs from libprotobuf: an absent timestamp is Go's zero
  // time, and a repeated Timestamp replaces the earlier one (no merge).
  std::deque<model::label_set> md;
  auto absent = decode_push_request_proto(entry_in_stream("\x12\x02hi"), md);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ((*absent)[0].entries[0].ts, INT64_MIN);
  auto twice = decode_push_request_proto(entry_in_stream(ts(secs) + ts(nanos) + "\x12\x02hi"), md);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ((*twice)[0].entries[0].ts, 7);
  // Shapes the fast path declines that are errors: the general path's texts.
  auto bad_nanos = decode_push_request_proto(entry_in_stream(ts(secs + "\x10\x7f")), md);
  ASSERT_TRUE(bad_nanos.ok()); // 127 ns is valid
  auto negative = decode_push_request_proto(entry_in_stream(ts("\x10\xff\xff\xff\xff\x0f")), md);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().message(),
            "timestamp: seconds:0 nanos:-1: nanos not in range [0, 1e9)");
  auto truncated_line = decode_push_request_proto(entry_in_stream(ts(secs) + "\x12\x05hi"), md);
  ASSERT_FALSE(truncated_line.ok());
  EXPECT_EQ(truncated_line.error().message(), "unexpected EOF");
  auto line_as_varint = decode_push_request_proto(entry_in_stream(ts(secs) + "\x10\x01"), md);
  ASSERT_FALSE(line_as_varint.ok());
  EXPECT_EQ(line_as_varint.error().message(), "proto: wrong wireType = 0 for field Line");
}

TEST(proto_decode, to_unix_nanos_saturates) {
  EXPECT_EQ(to_unix_nanos(1, 5), 1000000005);
  EXPECT_EQ(to_unix_nanos(-1, 5), -999999995);
  EXPECT_EQ(to_unix_nanos(INT64_MAX / 1000000000, 999999999), INT64_MAX);
  EXPECT_EQ(to_unix_nanos(INT64_MIN / 1000000000, -999999999), INT64_MIN);
}

} // namespace
} // namespace skald::push
