// actors/http/request_body.hpp — INTERNAL to actors/http: the Beast body type
// request bodies are read into.
//
// Like boost::beast::http::string_body (value_type std::string, reserved to
// Content-Length up front), except that its reader appends each received
// buffer to the string instead of resize() + copy: resize() zero-fills every
// byte before it is overwritten, which was 1.8% of the instructions per
// pushed line (a push body is ~80 KB; docs/benchmarks.md, pushmem). Responses
// still use string_body.
//
// Owner: the session's request parser. Invariant: after finish(), the string
// holds exactly the body bytes received, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/optional.hpp>

namespace skald::http::detail {

struct request_body {
  using value_type = std::string;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
  public:
    template <bool is_request, class Fields>
    reader(boost::beast::http::header<is_request, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      if (length) {
        if (*length > body_.max_size()) {
          ec = boost::beast::http::error::buffer_overflow;
          return;
        }
        body_.reserve(static_cast<std::size_t>(*length));
      }
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      const auto n = boost::beast::buffer_bytes(buffers);
      if (n > body_.max_size() - body_.size()) {
        ec = boost::beast::http::error::buffer_overflow;
        return 0;
      }
      for (auto b : boost::beast::buffers_range_ref(buffers))
        body_.append(static_cast<const char*>(b.data()), b.size());
      ec = {};
      return n;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

  private:
    value_type& body_;
  };

  /// Same value_type as string_body, so its writer serializes it.
  using writer = boost::beast::http::string_body::writer;
};

} // namespace skald::http::detail
