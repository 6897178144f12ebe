#pragma once
// Merging customers over HTTP, for leads and admins (rest_api authenticates and routes here):
//   POST /v1/customers/{target}/merges  {"sourceCustomerId", "reason"} → 201 {"merge": {...}}:
//        the source's identities move to the target and the target's timeline reads the source's
//        (store/identity_repository::merge, store/merged_timeline.hpp)
//   POST /v1/customers/{target}/merges/{mergeId}/undo → 200 {"merge": {...}}
//   GET  /v1/customers/{target}/merges → {"merges": [...]}: into the target, standing and undone
// A lead must be allowed to read every customer named (as GET /v1/customers/{id}/timeline: 404
// otherwise, the same as for a customer that does not exist). Also owns that access check, which
// rest_api's customer reads use too. No Beast here. Run on the core strand.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/auth/jwt.hpp"
#include "gateway/http_routes.hpp"
#include "store/identities.hpp"
#include "store/timeline.hpp"

namespace switchboard::gateway {

// Whether `who` may read a customer's timeline and record: nothing if so, else the answer (404 for
// anyone without access, as for a customer that does not exist; 503 when Redis is down). Admins:
// any customer that exists; leads: the customer's readers set with them or one of their teams;
// agents: with them (their teams grant nothing).
boost::asio::awaitable<std::optional<http_answer>> refuse_unless_reader(store::timeline_repository& timeline,
                                                                        const jwt_claims& who, std::string customer);

class customer_merges {
 public:
  customer_merges(store::identity_repository& identities, store::timeline_repository& timeline)
      : identities_(identities), timeline_(timeline) {}

  // Whether `path` is one of this API's (then rest_api routes the request here).
  static bool serves(std::string_view path);
  // Whether `path` takes `method`, and the methods it takes (for the 405).
  static bool allows(std::string_view path, std::string_view method);
  static std::string_view methods_of(std::string_view path);
  boost::asio::awaitable<http_answer> handle(jwt_claims who, std::string method, std::string path,
                                             std::string body) const;

  // The most merges GET lists (newest first).
  static constexpr std::size_t kMaxListed = 100;

 private:
  boost::asio::awaitable<http_answer> merge(jwt_claims who, std::string target, std::string body) const;
  boost::asio::awaitable<http_answer> undo(jwt_claims who, std::string target, std::string merge_id) const;
  boost::asio::awaitable<http_answer> list(jwt_claims who, std::string target) const;

  store::identity_repository& identities_;
  store::timeline_repository& timeline_;
};

}  // namespace switchboard::gateway
