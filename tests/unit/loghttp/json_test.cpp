// Unit: Loki's read-path JSON shapes (read-path spec §1.4).
#include <string>

#include <gtest/gtest.h>

#include "runtime/loghttp/json.hpp"

namespace skald::loghttp {
namespace {

TEST(loghttp_json, number_formats) {
  EXPECT_EQ(format_model_time(1588889221'000'000'000), "1588889221");
  EXPECT_EQ(format_model_time(1588889221'500'000'000), "1588889221.5");
  EXPECT_EQ(format_model_time(1588889221'123'456'789), "1588889221.123");
  EXPECT_EQ(format_value(2), "2");
  EXPECT_EQ(format_value(1267.1266666666666), "1267.1266666666666");
  EXPECT_EQ(format_value(0.00001), "0.00001");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

std::string strip_stats(const std::string& body) {
  auto p = body.find(",\"stats\":");
  return p == std::string::npos ? body : body.substr(0, p);
}

TEST(loghttp_json, streams) {
  logql::query_result r;
  r.type = logql::result_type::streams;
  r.streams.push_back({{{"app", "a\"b"}}, {{2, "line <2>", {}}, {1, "one", {}}}});
  auto body = render_query(r, {});
  EXPECT_EQ(strip_stats(body), "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
                               "\"result\":[{\"stream\":{\"app\":\"a\\\"b\"},\"values\":[[\"2\","
                               "\"line <2>\"],[\"1\",\"one\"]]}]");
  EXPECT_NE(body.find("\"summary\":{\"bytesProcessedPerSecond\""), std::string::npos);
  EXPECT_EQ(body.back(), '\n');
  auto cat = render_query(r, {}, true);
  EXPECT_NE(cat.find("\"encodingFlags\":[\"categorize-labels\"]"), std::string::npos);
  EXPECT_NE(cat.find("[\"1\",\"one\",{}]"), std::string::npos);
}

TEST(loghttp_json, categorize_labels_splits_stream_metadata_and_parsed) {
  logql::query_result r;
  r.type = logql::result_type::streams;
  model::label_set md{{"trace", "t1"}};
  r.streams.push_back({{{"app", "a"}, {"level", "error"}, {"trace", "t1"}}, {{3, "x", md}}});
  r.streams.push_back({{{"app", "a"}, {"level", "info"}}, {{4, "y", {}}, {1, "z", {}}}});
  categorize_input ci;
  ci.sources = {{{"app", "a"}}, {{"app", "b"}}};
  ci.dir = logql::direction::backward;
  EXPECT_EQ(strip_stats(render_query(r, {}, true, &ci)),
            "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"encodingFlags\":["
            "\"categorize-labels\"],\"result\":[{\"stream\":{\"app\":\"a\"},\"values\":[[\"4\",\"y\","
            "{\"parsed\":{\"level\":\"info\"}}],[\"3\",\"x\",{\"structuredMetadata\":{\"trace\":"
            "\"t1\"},\"parsed\":{\"level\":\"error\"}}],[\"1\",\"z\",{\"parsed\":{\"level\":"
            "\"info\"}}]]}]");
}

TEST(loghttp_json, categorize_labels_keeps_renamed_metadata_as_metadata) {
  // Metadata `level` collides with the stream label: Loki's LabelsBuilder
  // names it level_extracted, still in the structured metadata category.
  logql::query_result r;
  r.type = logql::result_type::streams;
  model::label_set md{{"level", "warn"}};
  r.streams.push_back({{{"app", "a"}, {"level", "warn"}, {"level_extracted", "warn"}}, {{3, "x", md}}});
  categorize_input ci;
  ci.sources = {{{"app", "a"}, {"level", "warn"}}};
  EXPECT_NE(render_query(r, {}, true, &ci)
              .find("[\"3\",\"x\",{\"structuredMetadata\":{\"level_extracted\":\"warn\"}}]"),
            std::string::npos);
}

TEST(loghttp_json, legacy_shapes) {
  logql::query_result r;
  r.type = logql::result_type::streams;
  r.streams.push_back({{{"app", "a"}}, {{1'571'332'130'934'000'000, "x", {}}}});
  auto body = render_legacy_query(r, {});
  EXPECT_EQ(body.rfind("{\"streams\":[{\"labels\":\"{app=\\\"a\\\"}\",\"entries\":[{\"ts\":"
                       "\"2019-10-17T17:08:50.934Z\",\"line\":\"x\"}]}],\"stats\":{",
                       0),
            0u);
  EXPECT_EQ(render_legacy_values({"a", "b"}), "{\"values\":[\"a\",\"b\"]}\n");
}

TEST(loghttp_json, vector_matrix_scalar) {
  logql::query_result v;
  v.type = logql::result_type::vector;
  v.t_ns = 4'000'000'000;
  v.vector.push_back({{}, 2});
  EXPECT_EQ(strip_stats(render_query(v, {})),
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
            "},\"value\":[4,\"2\"]}]");
  logql::query_result m;
  m.type = logql::result_type::matrix;
  m.matrix.push_back({{{"a", "b"}}, {{1'500'000'000, 1}, {2'000'000'000, 0.5}}});
  EXPECT_EQ(strip_stats(render_query(m, {})),
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{"
            "\"a\":\"b\"},\"values\":[[1.5,\"1\"],[2,\"0.5\"]]}]");
  logql::query_result s;
  s.type = logql::result_type::scalar;
  s.t_ns = 1'000'000'000;
  s.scalar = 3;
  EXPECT_EQ(strip_stats(render_query(s, {})),
            "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"3\"]");
  logql::query_result empty;
  empty.type = logql::result_type::matrix;
  EXPECT_NE(render_query(empty, {}).find("\"result\":[]"), std::string::npos);
}

TEST(loghttp_json, labels_series_stats) {
  EXPECT_EQ(render_strings({"a", "b"}), "{\"status\":\"success\",\"data\":[\"a\",\"b\"]}\n");
  EXPECT_EQ(render_strings({}), "{\"status\":\"success\",\"data\":[]}\n");
  EXPECT_EQ(render_series({{{"a", "1"}, {"b", "2"}}}),
            "{\"status\":\"success\",\"data\":[{\"a\":\"1\",\"b\":\"2\"}]}\n");
  EXPECT_EQ(render_index_stats(1, 2, 3, 4),
            "{\"streams\":1,\"chunks\":2,\"bytes\":3,\"entries\":4}");
  EXPECT_EQ(render_data_string("{a=\"b\"}"),
            "{\"status\":\"success\",\"data\":\"{a=\\\"b\\\"}\"}\n");
}

} // namespace
} // namespace skald::loghttp
