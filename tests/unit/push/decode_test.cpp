// decode_push: Loki's HTTP push parsing (spec §1.3-1.4; TestParseRequest,
// Test_DecodePushRequest, legacy pushTests, Test_ServiceDetection, size limits).
#include "runtime/push/decode.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/push/json_decode.hpp"
#include "tests/testutil/push_bodies.hpp"

namespace skald::push {
namespace {

using testing::deflate_compress;
using testing::gzip_compress;
using testing::proto_body;

constexpr std::string_view json_ct = "application/json";
constexpr std::string_view proto_ct = "application/x-protobuf";

const std::string simple_json =
    R"({"streams":[{"stream":{"foo":"bar"},"values":[["1700000000000000000","hello"],["1700000000000000001","world"]]}]})";

decode_limits no_discovery() {
  decode_limits l;
  l.discover_service_name.clear();
  return l;
}

// ---- TestParseRequest ----------------------------------------------------

TEST(decode_push, empty_content_type_is_400_no_media_type) {
  auto r = decode_push("", "", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
  EXPECT_EQ(r.error().message(), "mime: no media type");
  EXPECT_EQ(http_status_for(r.error().code()), 400);
  EXPECT_FALSE(decode_push("", "", simple_json).ok());
}

TEST(decode_push, empty_body_is_invalid_for_every_type) {
  EXPECT_FALSE(decode_push(json_ct, "", "").ok());
  EXPECT_FALSE(decode_push(proto_ct, "", "").ok());
  EXPECT_FALSE(decode_push(json_ct, "gzip", "").ok());
  EXPECT_FALSE(decode_push(proto_ct, "gzip", "").ok());
}

TEST(decode_push, plain_gzip_and_deflate_json_are_valid) {
  struct c {
    const char* name;
    std::string enc;
    std::string body;
  };
  const c cases[] = {
      {"plain", "", simple_json},
      {"gzip", "gzip", gzip_compress(simple_json)},
      {"deflate", "deflate", deflate_compress(simple_json)},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    auto r = decode_push(json_ct, k.enc, k.body, no_discovery());
    ASSERT_TRUE(r.ok()) << r.error().message();
    ASSERT_EQ(r->streams.size(), 1u);
    EXPECT_EQ(r->streams[0].labels, R"({foo="bar"})");
    ASSERT_EQ(r->streams[0].entries.size(), 2u);
    EXPECT_EQ(r->streams[0].entries[0].ts, 1700000000000000000);
    EXPECT_EQ(r->streams[0].entries[0].line, "hello");
    EXPECT_EQ(r->streams[0].entries[1].line, "world");
    EXPECT_EQ(r->lines, 2u);
    EXPECT_EQ(r->line_bytes, 10u);
  }
}

TEST(decode_push, charset_parameter_is_ignored) {
  auto r = decode_push("application/json; charset=utf-8", "", simple_json, no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(decode_push("Application/JSON", "", simple_json).ok());
}

TEST(decode_push, misspelled_json_type_is_treated_as_snappy_protobuf) {
  auto r = decode_push("application/jsonn", "", simple_json);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
}

TEST(decode_push, snappy_encoding_with_gzip_body_is_invalid) {
  EXPECT_FALSE(decode_push(json_ct, "snappy", gzip_compress(simple_json)).ok());
}

TEST(decode_push, gzip_encoding_with_plain_body_is_invalid) {
  auto r = decode_push(json_ct, "gzip", simple_json);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "gzip: invalid header");
}

TEST(decode_push, zlib_wrapped_deflate_is_rejected_like_go_flate) {
  EXPECT_FALSE(decode_push(json_ct, "deflate", testing::zlib_compress(simple_json, 15)).ok());
}

TEST(decode_push, unsupported_content_encoding_is_400) {
  auto r = decode_push(json_ct, "br", simple_json);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), R"(Content-Encoding "br" not supported)");
  // Exact, case-sensitive match as in Loki.
  EXPECT_EQ(decode_push(json_ct, "GZIP", gzip_compress(simple_json)).error().message(),
            R"(Content-Encoding "GZIP" not supported)");
}

TEST(decode_push, snappy_content_encoding_is_tolerated_for_protobuf) {
  auto body = proto_body({{R"({a="b"})", {{1, "x", {}}}}});
  EXPECT_TRUE(decode_push(proto_ct, "snappy", body).ok());
  EXPECT_TRUE(decode_push(proto_ct, "", body).ok());
  EXPECT_TRUE(decode_push(proto_ct, "gzip", gzip_compress(body)).ok());
  EXPECT_TRUE(decode_push(proto_ct, "deflate", deflate_compress(body)).ok());
}

TEST(decode_push, structured_metadata_in_third_element_is_counted_in_bytes) {
  std::string body =
      R"({"streams":[{"stream":{"foo":"bar"},"values":[["1","line",{"trace_id":"abc","user":"x"}]]}]})";
  auto r = decode_push(json_ct, "", body, no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& e = r->streams[0].entries[0];
  ASSERT_NE(e.metadata, nullptr);
  EXPECT_EQ(*e.metadata, (model::label_set{{"trace_id", "abc"}, {"user", "x"}}));
  EXPECT_EQ(r->metadata_bytes, 8u + 3 + 4 + 1);
  EXPECT_EQ(r->line_bytes, 4u);
}

TEST(decode_push, multi_line_structured_metadata_values) {
  std::string body =
      R"({"streams":[{"stream":{"foo":"bar"},"values":[["1","line",{"stack":"a\nb\nc"}]]}]})";
  auto r = decode_push(json_ct, "", body, no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r->streams[0].entries[0].metadata)[0].value, "a\nb\nc");
}

// ---- Test_DecodePushRequest (v1 JSON) -------------------------------------

TEST(decode_push_v1, basic) {
  auto r = decode_push(
      json_ct, "",
      R"({"streams": [{ "stream": { "test": "value" }, "values":[ [ "123456789012345", "super line" ] ] }]})",
      no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].labels, R"({test="value"})");
  EXPECT_EQ(r->streams[0].entries[0].ts, 123456789012345);
  EXPECT_EQ(r->streams[0].entries[0].line, "super line");
  EXPECT_EQ(r->streams[0].entries[0].metadata, nullptr);
}

TEST(decode_push_v1, numeric_and_object_label_values_are_kept_verbatim) {
  auto r = decode_push(
      json_ct, "",
      R"({"streams": [{ "stream": { "test": "value", "number": 123, "text": { "a": "b" }, "flag": true }, "values":[ [ "1", "l" ] ] }]})",
      no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->streams[0].labels,
            R"({flag="true", number="123", test="value", text="{ \"a\": \"b\" }"})");
}

TEST(decode_push_v1, unquoted_token_is_an_error) {
  auto r = decode_push(
      json_ct, "", R"({"streams": [{ "stream": { "test": None }, "values":[ [ "1", "l" ] ] }]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
}

TEST(decode_push_v1, escapes_are_decoded_in_lines_and_labels) {
  auto r = decode_push(
      json_ct, "",
      R"({"streams":[{"stream":{"a":"q\"u\u00e9"},"values":[["1","tab\there \ud83d\ude00 \\"]]}]})",
      no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->streams[0].label_set, (model::label_set{{"a", "q\"u\xc3\xa9"}}));
  EXPECT_EQ(r->streams[0].labels, "{a=\"q\\\"u\xc3\xa9\"}");
  EXPECT_EQ(r->streams[0].entries[0].line, "tab\there \xf0\x9f\x98\x80 \\");
}

TEST(decode_push_v1, null_values_and_null_entries_are_skipped) {
  auto r = decode_push(
      json_ct, "",
      R"({"streams":[{"stream":{"a":"b"},"values":null},{"stream":{"c":"d"},"values":[null,["5","x"],null]}]})",
      no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_TRUE(r->streams[0].entries.empty());
  ASSERT_EQ(r->streams[1].entries.size(), 1u);
  EXPECT_EQ(r->streams[1].entries[0].ts, 5);
}

TEST(decode_push_v1, unknown_keys_and_extra_elements_are_ignored) {
  auto r = decode_push(
      json_ct, "",
      R"({"x":[1,{"y":2}],"streams":[{"z":{"q":[]},"stream":{"a":"b"},"values":[["1","l",{},"extra",[1]]]}]})",
      no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->streams[0].entries[0].line, "l");
}

TEST(decode_push_v1, type_errors_use_jsonparser_texts) {
  struct c {
    const char* name;
    std::string body;
    std::string want;
  };
  const c cases[] = {
      {"numeric ts", R"({"streams":[{"stream":{"a":"b"},"values":[[1,"l"]]}]})",
       "Value is string, but can't find closing '\"' symbol"},
      {"numeric line", R"({"streams":[{"stream":{"a":"b"},"values":[["1",2]]}]})",
       "Value is string, but can't find closing '\"' symbol"},
      {"non-object metadata", R"({"streams":[{"stream":{"a":"b"},"values":[["1","l","x"]]}]})",
       "Value looks like object, but can't find closing '}' symbol"},
      {"non-string metadata value",
       R"({"streams":[{"stream":{"a":"b"},"values":[["1","l",{"k":1}]]}]})",
       "Value is string, but can't find closing '\"' symbol"},
      {"ts not a number", R"({"streams":[{"stream":{"a":"b"},"values":[["12a","l"]]}]})",
       "Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol"},
      {"ts overflow",
       R"({"streams":[{"stream":{"a":"b"},"values":[["99999999999999999999","l"]]}]})",
       "Value is number, but overflowed while parsing"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    auto r = decode_push(json_ct, "", k.body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), errc::invalid_argument);
    EXPECT_EQ(r.error().message(), k.want);
  }
}

TEST(decode_push_v1, negative_and_extreme_timestamps_parse) {
  auto r = decode_push(
      json_ct, "",
      R"({"streams":[{"stream":{"a":"b"},"values":[["-5","l"],["9223372036854775807","m"]]}]})",
      no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->streams[0].entries[0].ts, -5);
  EXPECT_EQ(r->streams[0].entries[1].ts, INT64_MAX);
}

TEST(decode_push_v1, malformed_json_is_400_and_never_partial) {
  const std::string truncated = simple_json.substr(0, simple_json.size() / 2);
  for (const auto& body : {truncated, std::string{"[]"}, std::string{"nope"},
                           std::string{R"({"streams":{}})"}, std::string{R"({"streams":[1]})"}}) {
    SCOPED_TRACE(body);
    auto r = decode_push(json_ct, "", body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), errc::invalid_argument);
  }
}

TEST(decode_push_v1, invalid_label_key_fails_label_parsing) {
  auto r =
      decode_push(json_ct, "", R"({"streams":[{"stream":{"foo.bar":"x"},"values":[["1","l"]]}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "couldn't parse labels: 1:5: parse error: unexpected character inside braces: '.'");
}

TEST(decode_push_v1, invalid_utf8_is_passed_through_like_loki) {
  auto r = decode_push(
      json_ct, "", "{\"streams\":[{\"stream\":{\"a\":\"b\"},\"values\":[[\"1\",\"\xff\xfe\"]]}]}",
      no_discovery());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->streams[0].entries[0].line, "\xff\xfe");
}

TEST(decode_push_v1, raw_control_characters_in_strings_are_accepted_like_go) {
  const std::string body = "{\"streams\":[{\"stream\":{\"a\":\"b\"},\"values\":[[\"1\","
                           "\"tab\there\nnewline \\\"q\\\" \x01\"]]}]}";
  for (const char* enc : {"", "gzip"}) {
    SCOPED_TRACE(enc);
    auto r = decode_push(json_ct, enc, std::string{enc}.empty() ? body : gzip_compress(body),
                         no_discovery());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->streams[0].entries[0].line, "tab\there\nnewline \"q\" \x01");
  }
  // Legacy too, including a raw newline inside the labels string.
  auto r =
      decode_push(json_ct, "", "{\"streams\":[{\"labels\":\"{a=\\\"b\tc\\\"}\",\"entries\":[]}]}",
                  no_discovery(), json_format::legacy);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->streams[0].labels, R"({a="b\tc"})");
}

TEST(decode_push_v1, escape_control_chars_only_touches_string_contents) {
  auto out = escape_control_chars_in_strings("{\n\"a\t\":\t\"x\\\"\x02\"}");
  EXPECT_EQ(std::string_view(out.data.get(), out.size), "{\n\"a\\t\":\t\"x\\\"\\u0002\"}");
  EXPECT_EQ(out.data[out.size], '\0');
}

TEST(decode_push_v1, zero_streams_decode_to_an_empty_request) {
  for (std::string body : {R"({"streams":[]})", R"({"streams":null})", R"({})"}) {
    auto r = decode_push(json_ct, "", body);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_TRUE(r->streams.empty());
  }
}

// ---- legacy JSON (/api/prom/push) -----------------------------------------

TEST(decode_push_legacy, labels_string_and_rfc3339_ts) {
  auto r = decode_push(
      json_ct, "",
      R"({"streams":[{"labels":"{foo=\"bar\"}","entries":[{"ts":"2023-11-14T22:13:20.123456789Z","line":"fizzbuzz"},{"ts":"2023-11-14T23:13:20+01:00","line":"x"}]}]})",
      no_discovery(), json_format::legacy);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].labels, R"({foo="bar"})");
  ASSERT_EQ(r->streams[0].entries.size(), 2u);
  EXPECT_EQ(r->streams[0].entries[0].ts, 1700000000123456789);
  EXPECT_EQ(r->streams[0].entries[0].line, "fizzbuzz");
  EXPECT_EQ(r->streams[0].entries[1].ts, 1700000000000000000);
}

TEST(decode_push_legacy, structured_metadata_list) {
  auto r = decode_push(
      json_ct, "",
      R"({"streams":[{"labels":"{a=\"b\"}","entries":[{"ts":"2023-11-14T22:13:20Z","line":"l","structuredMetadata":[{"name":"k","value":"v"}]}]}]})",
      no_discovery(), json_format::legacy);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_NE(r->streams[0].entries[0].metadata, nullptr);
  EXPECT_EQ(*r->streams[0].entries[0].metadata, (model::label_set{{"k", "v"}}));
}

TEST(decode_push_legacy, bad_timestamp_or_labels_are_400) {
  EXPECT_FALSE(
      decode_push(
          json_ct, "",
          R"({"streams":[{"labels":"{a=\"b\"}","entries":[{"ts":"yesterday","line":"l"}]}]})", {},
          json_format::legacy)
          .ok());
  auto r = decode_push(json_ct, "", R"({"streams":[{"labels":"{ab\"","entries":[]}]})", {},
                       json_format::legacy);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "couldn't parse labels: 1:4: parse error: unterminated quoted string");
}

TEST(decode_push_legacy, uri_selects_the_format) {
  EXPECT_EQ(json_format_for_uri("/loki/api/v1/push"), json_format::v1);
  EXPECT_EQ(json_format_for_uri("/LOKI/API/V1/push?x=1"), json_format::v1);
  EXPECT_EQ(json_format_for_uri("/api/prom/push"), json_format::legacy);
}

// ---- labels: canonical form, hash, service_name discovery ------------------

TEST(decode_push_labels, sorted_canonical_labels_and_fingerprint) {
  auto body = proto_body({{R"({buzz="f", service_name="foo", a="b", empty=""})", {{1, "x", {}}}}});
  auto r = decode_push(proto_ct, "", body);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->streams[0].labels, R"({a="b", buzz="f", service_name="foo"})");
  EXPECT_EQ(r->streams[0].fingerprint, model::fingerprint(r->streams[0].label_set));
}

TEST(decode_push_labels, job_foo_has_loki_hash) {
  auto r =
      decode_push(proto_ct, "", proto_body({{R"({job="foo"})", {{1, "x", {}}}}}), no_discovery());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->streams[0].fingerprint, 0x8eeb87f5eb220480ull);
}

TEST(decode_push_labels, service_name_discovery) {
  struct c {
    const char* name;
    std::string labels;
    std::string want;
  };
  const c cases[] = {
      {"from app", R"({app="web", env="prod"})", R"({app="web", env="prod", service_name="web"})"},
      {"first in list wins", R"({job="j", service="svc"})",
       R"({job="j", service="svc", service_name="svc"})"},
      {"unknown", R"({env="prod"})", R"({env="prod", service_name="unknown_service"})"},
      {"already present", R"({app="web", service_name="mine"})",
       R"({app="web", service_name="mine"})"},
      {"internal aggregated metric", R"({__aggregated_metric__="x"})",
       R"({__aggregated_metric__="x"})"},
      {"internal pattern", R"({__pattern__="x"})", R"({__pattern__="x"})"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    auto r = decode_push(proto_ct, "", proto_body({{k.labels, {{1, "x", {}}}}}));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->streams[0].labels, k.want);
    EXPECT_EQ(r->streams[0].fingerprint, model::fingerprint(r->streams[0].label_set));
  }
  auto r =
      decode_push(proto_ct, "", proto_body({{R"({env="prod"})", {{1, "x", {}}}}}), no_discovery());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->streams[0].labels, R"({env="prod"})");
}

TEST(decode_push_labels, unparseable_labels_fail_the_whole_request) {
  auto body = proto_body({{R"({a="b"})", {{1, "ok", {}}}}, {R"({ab")", {{1, "x", {}}}}});
  auto r = decode_push(proto_ct, "", body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
  EXPECT_EQ(r.error().message(),
            "couldn't parse labels: 1:4: parse error: unterminated quoted string");
}

TEST(decode_push_labels, duplicate_names_survive_decoding_for_the_validator) {
  auto r = decode_push(proto_ct, "", proto_body({{R"({a="1", a="2"})", {{1, "x", {}}}}}),
                       no_discovery());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->streams[0].label_set.size(), 2u);
}

// ---- size limits (TestPushHandlerMaxRecvMsgSize / MaxDecompressedSize) -----

TEST(decode_push_limits, body_over_max_recv_is_413) {
  decode_limits l;
  l.max_recv_msg_size = 10;
  auto r = decode_push(json_ct, "", simple_json, l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::too_large);
  EXPECT_EQ(http_status_for(r.error().code()), 413);
  EXPECT_EQ(r.error().message(), "request body too large: message size too large than max (" +
                                     std::to_string(simple_json.size()) + " vs 10)");
}

TEST(decode_push_limits, gzip_bomb_stops_at_the_decompressed_limit) {
  std::string big(64 << 20, 'a'); // 64 MiB of 'a' compresses to ~64 KiB
  auto bomb = gzip_compress(big);
  big.clear();
  big.shrink_to_fit();
  decode_limits l;
  l.max_decompressed_size = 1 << 20;
  auto r = decode_push(json_ct, "gzip", bomb, l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::too_large);
  EXPECT_EQ(
      r.error().message(),
      "request body too large: decompressed message size too large than max (1048577 vs 1048576)");
  EXPECT_EQ(decode_push(json_ct, "deflate", deflate_compress(std::string(2 << 20, 'a')), l)
                .error()
                .code(),
            errc::too_large);
}

TEST(decode_push_limits, snappy_declared_length_over_limit_is_413) {
  auto body = proto_body({{R"({a="b"})", {{1, std::string(4096, 'x'), {}}}}});
  decode_limits l;
  l.max_decompressed_size = 1000;
  auto r = decode_push(proto_ct, "", body, l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::too_large);
  EXPECT_NE(r.error().message().find(
                "request body too large: decompressed message size too large than max ("),
            std::string::npos);
}

TEST(decode_push_limits, lying_snappy_header_allocates_nothing_and_is_400) {
  // varint 0xFFFFFFFF (4 GiB) followed by two bytes.
  std::string body = "\xff\xff\xff\xff\x0f\x00\x00";
  auto r = decode_push(proto_ct, "", body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
  EXPECT_EQ(r.error().message(), "snappy: corrupt input");
}

TEST(decode_push_limits, zero_decompressed_limit_means_fifty_times_recv) {
  decode_limits l;
  l.max_recv_msg_size = 1000;
  l.max_decompressed_size = 0;
  EXPECT_EQ(l.effective_max_decompressed(), 50000u);
  auto body = gzip_compress(std::string(60000, ' ') + simple_json);
  ASSERT_LT(body.size(), 1000u);
  auto r = decode_push(json_ct, "gzip", body, l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::too_large);
  l.max_recv_msg_size = 0;
  EXPECT_EQ(l.effective_max_decompressed(), 0u); // both off
}

TEST(decode_push_limits, stream_labels_over_16mib_are_413) {
  std::string labels = "{a=\"" + std::string(max_stream_labels_size, 'x') + "\"}";
  auto r = decode_push(proto_ct, "", proto_body({{labels, {{1, "x", {}}}}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::too_large);
  EXPECT_EQ(r.error().message(),
            "request body too large: stream labels size 17 MB exceeds limit of 17 MB");
}

TEST(decode_push_limits, humanize_bytes_matches_go_humanize) {
  EXPECT_EQ(humanize_bytes(0), "0 B");
  EXPECT_EQ(humanize_bytes(9), "9 B");
  EXPECT_EQ(humanize_bytes(82854982), "83 MB");
  EXPECT_EQ(humanize_bytes(1000), "1.0 kB");
  EXPECT_EQ(humanize_bytes(16777216), "17 MB");
}

// ---- media types ------------------------------------------------------------

TEST(media_type, go_mime_parse_results) {
  struct c {
    std::string_view in;
    std::string_view want;
    bool ok;
  };
  const c cases[] = {
      {"application/json", "application/json", true},
      {" Application/JSON ; charset=utf-8", "application/json", true},
      {"application/x-protobuf", "application/x-protobuf", true},
      {"", "mime: no media type", false},
      {"application", "mime: expected slash after first token", false},
      {"application/", "mime: expected token after slash", false},
      {"application/json x", "mime: unexpected content after media subtype", false},
      {"application/json; charset", "mime: invalid media parameter", false},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.in);
    auto r = parse_media_type(k.in);
    ASSERT_EQ(r.ok(), k.ok);
    EXPECT_EQ(r.ok() ? *r : r.error().message(), k.want);
  }
}

// ---- lifetime -----------------------------------------------------------------

TEST(push_request, copies_share_storage_and_views_outlive_the_original) {
  std::optional<push_request> copy;
  {
    auto r = decode_push(
        json_ct, "", R"({"streams":[{"stream":{"a":"b"},"values":[["1","line one",{"k":"v"}]]}]})");
    ASSERT_TRUE(r.ok());
    copy = *r; // copy, then the original dies
  }
  EXPECT_EQ(copy->streams[0].entries[0].line, "line one");
  EXPECT_EQ((*copy->streams[0].entries[0].metadata)[0].value, "v");
  EXPECT_EQ(copy->storage.use_count(), 1);
}

TEST(http_status, mapping) {
  EXPECT_EQ(http_status_for(errc::invalid_argument), 400);
  EXPECT_EQ(http_status_for(errc::unauthenticated), 401);
  EXPECT_EQ(http_status_for(errc::too_large), 413);
  EXPECT_EQ(http_status_for(errc::rate_limited), 429);
  EXPECT_EQ(http_status_for(errc::internal), 500);
}

} // namespace
} // namespace skald::push
