// actors/http/fwd.hpp — forward declarations of the HTTP edge (G15).
#pragma once

namespace skald::http {

struct request;
struct response;
class responder;
class router;
struct server_options;
class server;

} // namespace skald::http
