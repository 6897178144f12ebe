#include "gateway/customer_merges.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/http_json.hpp"
#include "store/merged_timeline.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/v1/customers/";
constexpr std::string_view kMerges = "/merges";
constexpr std::string_view kUndo = "/undo";
constexpr std::size_t kMaxReason = 1000;  // bytes
constexpr std::size_t kMaxId = 200;       // bytes of a customer id

// "/v1/customers/{target}/merges[/{merge id}/undo]" → the target and the merge id ("" for the
// collection). False for any other path.
bool parse_path(std::string_view path, std::string& target, std::string& merge_id) {
  if (!path.starts_with(kPrefix)) return false;
  std::string_view rest = path.substr(kPrefix.size());
  const auto slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  const std::string_view t = rest.substr(0, slash);
  rest = rest.substr(slash);
  if (!rest.starts_with(kMerges)) return false;
  rest = rest.substr(kMerges.size());
  std::string_view m;
  if (!rest.empty()) {
    if (rest.front() != '/' || !rest.ends_with(kUndo) || rest.size() <= kUndo.size() + 1) return false;
    m = rest.substr(1, rest.size() - 1 - kUndo.size());
    if (m.find('/') != std::string_view::npos) return false;
  }
  target = std::string(t);
  merge_id = std::string(m);
  return true;
}

bool lead_or_admin(const jwt_claims& who) { return who.role == "lead" || who.role == "admin"; }

http_answer merge_answer(const v1::Merge& m, int status) {
  http_answer a = json_ok("{\"merge\":" + proto_json(m) + "}");
  a.status = status;
  return a;
}

// The POST body: {"sourceCustomerId": "...", "reason": "..."}; a 400 naming the field otherwise.
std::optional<http_answer> parse_merge_body(const std::string& body, std::string& source, std::string& reason) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return json_error(400, "bad_request", "body: must be a JSON object {\"sourceCustomerId\", \"reason\"}");
  for (const auto& [k, val] : v.as_object()) {
    const std::string_view name(k.data(), k.size());
    if (name != "sourceCustomerId" && name != "reason") return bad_param(name, "unknown field");
    if (!val.is_string()) return bad_param(name, "must be a string");
  }
  const auto& o = v.as_object();
  if (auto it = o.find("sourceCustomerId"); it != o.end()) source = std::string(it->value().as_string());
  if (auto it = o.find("reason"); it != o.end()) reason = std::string(it->value().as_string());
  if (source.empty()) return bad_param("sourceCustomerId", "required: the customer to merge into this one");
  if (source.size() > kMaxId || source.find('/') != std::string::npos) return bad_param("sourceCustomerId", "not a customer id");
  if (reason.empty()) return bad_param("reason", "required: say why these are the same person");
  if (reason.size() > kMaxReason) return bad_param("reason", "at most 1000 bytes");
  return std::nullopt;
}

}  // namespace

asio::awaitable<std::optional<http_answer>> refuse_unless_reader(store::timeline_repository& timeline,
                                                                 const jwt_claims& who, std::string customer) {
  std::vector<std::string> teams;  // a lead's teams grant; an agent's do not (only what they held)
  if (who.role == "lead") teams = who.teams;
  result<bool> may = false;
  if (who.role == "admin") {
    may = co_await timeline.customer_exists(customer);
  } else {
    may = co_await timeline.may_read_customer(customer, who.sub, std::move(teams));
  }
  if (!may) co_return store_error(may.error());
  if (!*may) co_return store_error(errc::not_found);
  co_return std::nullopt;
}

bool customer_merges::serves(std::string_view path) {
  std::string t, m;
  return parse_path(path, t, m);
}

bool customer_merges::allows(std::string_view path, std::string_view method) {
  return method == "POST" || (method == "GET" && path.ends_with(kMerges));
}

std::string_view customer_merges::methods_of(std::string_view path) {
  return path.ends_with(kMerges) ? "GET or POST" : "POST";
}

asio::awaitable<http_answer> customer_merges::handle(jwt_claims who, std::string method, std::string path,
                                                    std::string body) const {
  if (!lead_or_admin(who)) co_return json_error(403, "forbidden", "leads and admins only");
  std::string target, merge_id;
  parse_path(path, target, merge_id);
  if (!merge_id.empty()) co_return co_await undo(std::move(who), std::move(target), std::move(merge_id));
  if (method == "GET") co_return co_await list(std::move(who), std::move(target));
  co_return co_await merge(std::move(who), std::move(target), std::move(body));
}

// POST /v1/customers/{target}/merges: both customers readable by the caller, at most
// store::kMaxMergedCustomers in the merged timeline, then the store's merge (repeatable).
asio::awaitable<http_answer> customer_merges::merge(jwt_claims who, std::string target, std::string body) const {
  std::string source, reason;
  if (auto bad = parse_merge_body(body, source, reason)) co_return std::move(*bad);
  if (source == target) co_return bad_param("sourceCustomerId", "must be another customer than the target");
  if (auto refused = co_await refuse_unless_reader(timeline_, who, target)) co_return std::move(*refused);
  if (auto refused = co_await refuse_unless_reader(timeline_, who, source)) {
    if (refused->status != 404) co_return std::move(*refused);
    co_return json_error(404, "not_found", "sourceCustomerId: no such customer");
  }
  auto into = co_await identities_.merged_family(target);
  if (!into) co_return store_error(into.error());
  auto from = co_await identities_.merged_family(source);
  if (!from) co_return store_error(from.error());
  if (into->size() + from->size() > store::kMaxMergedCustomers) {
    co_return json_error(409, "too_many_merges", "a timeline reads at most " + std::to_string(store::kMaxMergedCustomers) +
                                                     " customers; this merge would make " +
                                                     std::to_string(into->size() + from->size()));
  }
  auto m = co_await identities_.merge(source, target, who.sub, reason);
  if (!m && m.error() == errc::conflict) {
    co_return json_error(409, "conflict", "the source is merged already (undo that merge first), or the target was "
                                          "merged into another customer");
  }
  if (!m) co_return store_error(m.error());
  co_return merge_answer(*m, 201);
}

asio::awaitable<http_answer> customer_merges::undo(jwt_claims who, std::string target, std::string merge_id) const {
  if (auto refused = co_await refuse_unless_reader(timeline_, who, target)) co_return std::move(*refused);
  auto m = co_await identities_.undo_merge(target, merge_id, who.sub);
  if (!m && m.error() == errc::conflict) co_return json_error(409, "conflict", "the merge is undone already");
  if (!m && m.error() == errc::not_found) co_return json_error(404, "not_found", "no such merge into this customer");
  if (!m) co_return store_error(m.error());
  co_return merge_answer(*m, 200);
}

asio::awaitable<http_answer> customer_merges::list(jwt_claims who, std::string target) const {
  if (auto refused = co_await refuse_unless_reader(timeline_, who, target)) co_return std::move(*refused);
  auto merges = co_await identities_.merges_into(target, kMaxListed);
  if (!merges) co_return store_error(merges.error());
  std::string body = "{\"merges\":[";
  for (std::size_t i = 0; i < merges->size(); ++i) body += (i ? "," : "") + proto_json((*merges)[i]);
  co_return json_ok(body + "]}");
}

}  // namespace switchboard::gateway
