#pragma once
// The leads' view of the outbox's dead letters (store/dead_letters.hpp), over HTTP, for leads and
// admins (rest_api authenticates and routes here):
//   GET  /v1/outbox/dead?offset=&limit=  the replies that could not be sent, newest first, of the
//        conversations the caller may read: {"deadLetters": [...], "total", "nextOffset"?}
//   POST /v1/outbox/dead/{conversation}/{seq}/retry  sends it again: a QUEUED delivery event,
//        which puts the reply back in the outbox in the same append, then the letter goes. 202;
//        409 not_failed when the reply is no longer FAILED (the stale letter goes too).
// No Beast here. Thread-safe as its repositories: run on the core strand.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "gateway/auth/jwt.hpp"
#include "gateway/http_routes.hpp"
#include "store/dead_letters.hpp"
#include "store/timeline.hpp"

namespace switchboard::gateway {

class outbox_api {
 public:
  outbox_api(store::timeline_repository& timeline, store::dead_letter_repository& letters, id_generator& ids)
      : timeline_(timeline), letters_(letters), ids_(ids) {}

  // Whether `path` is one of this API's (then rest_api routes the request here).
  static bool serves(std::string_view path);
  // The methods `path` takes ("GET" or "POST"), for the 405.
  static std::string_view method_of(std::string_view path);
  boost::asio::awaitable<http_answer> handle(jwt_claims who, std::string path, std::string query) const;

 private:
  boost::asio::awaitable<http_answer> list(jwt_claims who, std::string query) const;
  boost::asio::awaitable<http_answer> retry(jwt_claims who, std::string conversation_id, std::int64_t seq) const;

  store::timeline_repository& timeline_;
  store::dead_letter_repository& letters_;
  id_generator& ids_;
};

}  // namespace switchboard::gateway
