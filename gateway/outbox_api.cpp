#include "gateway/outbox_api.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>

#include "conversation/rules.hpp"
#include "gateway/http_json.hpp"
#include "store/deliveries.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace json = boost::json;
using conversation::staff_may_read;

namespace {

constexpr std::string_view kPrefix = "/v1/outbox/dead";
constexpr std::string_view kRetry = "/retry";
constexpr std::size_t kPreview = 200;  // characters of the reply shown beside its letter

// "/v1/outbox/dead/{conversation}/{seq}/retry" → the conversation and the seq.
bool retry_target(std::string_view path, std::string& conversation, std::int64_t& seq) {
  if (!path.starts_with(kPrefix) || !path.ends_with(kRetry) || path.size() <= kPrefix.size() + kRetry.size() + 1) {
    return false;
  }
  std::string_view middle = path.substr(kPrefix.size() + 1, path.size() - kPrefix.size() - 1 - kRetry.size());
  const auto slash = middle.find('/');
  if (path[kPrefix.size()] != '/' || slash == std::string_view::npos || slash == 0) return false;
  const std::string_view n = middle.substr(slash + 1);
  const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), seq);
  if (ec != std::errc() || end != n.data() + n.size() || n.empty() || seq <= 0) return false;
  conversation = std::string(middle.substr(0, slash));
  return conversation.find('/') == std::string::npos;
}

bool lead_or_admin(const jwt_claims& who) { return who.role == "lead" || who.role == "admin"; }

}  // namespace

bool outbox_api::serves(std::string_view path) {
  std::string c;
  std::int64_t s = 0;
  return path == kPrefix || retry_target(path, c, s);
}

std::string_view outbox_api::method_of(std::string_view path) { return path == kPrefix ? "GET" : "POST"; }

asio::awaitable<http_answer> outbox_api::handle(jwt_claims who, std::string path, std::string query) const {
  if (!lead_or_admin(who)) co_return json_error(403, "forbidden", "leads and admins only");
  if (path == kPrefix) co_return co_await list(std::move(who), std::move(query));
  std::string conversation;
  std::int64_t seq = 0;
  retry_target(path, conversation, seq);
  co_return co_await retry(std::move(who), std::move(conversation), seq);
}

// Each letter with its conversation's queue and the reply's first words; letters of conversations
// the caller may not read are left out (the page may hold fewer than `limit`).
asio::awaitable<http_answer> outbox_api::list(jwt_claims who, std::string query) const {
  std::int64_t offset = 0, limit = 100;
  if (!parse_count(param(query, "offset", "0"), offset)) co_return bad_param("offset", "must be a whole number >= 0");
  if (!parse_count(param(query, "limit", "100"), limit) || limit == 0 || limit > 500) {
    co_return bad_param("limit", "must be a whole number from 1 to 500");
  }
  auto page = co_await letters_.list(static_cast<std::size_t>(offset), static_cast<std::size_t>(limit));
  if (!page) co_return store_error(page.error());
  const principal p = principal_of(who);
  json::array out;
  for (const auto& l : page->letters) {
    auto conv = co_await timeline_.conversation(l.conversation_id);
    if (!conv && conv.error() != errc::not_found) co_return store_error(conv.error());
    if (conv && !staff_may_read(p, *conv)) continue;
    if (!conv && p.who != role::admin) continue;  // gone: only admins see what is left of it
    std::string body;
    auto events = co_await timeline_.read_conversation(l.conversation_id, l.seq - 1, 1);
    if (events && !events->empty() && events->front().has_message()) body = events->front().message().body().substr(0, kPreview);
    json::object o{{"conversationId", l.conversation_id}, {"seq", l.seq},           {"customerId", l.customer_id},
                   {"channel", l.channel},               {"failedAtMs", l.failed_at_ms}, {"attempts", l.attempts},
                   {"reason", l.reason},                 {"body", body}};
    if (conv) o["queue"] = conv->queue();
    out.push_back(std::move(o));
  }
  json::object answer{{"deadLetters", std::move(out)}, {"total", page->total}};
  if (offset + limit < page->total) answer["nextOffset"] = offset + limit;
  co_return json_ok(json::serialize(answer));
}

asio::awaitable<http_answer> outbox_api::retry(jwt_claims who, std::string conversation_id, std::int64_t seq) const {
  auto letter = co_await letters_.find(conversation_id, seq);
  if (!letter) co_return store_error(letter.error());
  if (!*letter) co_return json_error(404, "not_found", "no such dead letter");
  auto conv = co_await timeline_.conversation(conversation_id);
  if (!conv) co_return store_error(conv.error());
  if (!staff_may_read(principal_of(who), *conv)) co_return json_error(404, "not_found", "no such dead letter");
  store::sent_reply reply;
  reply.conversation_id = conversation_id;
  reply.customer_id = (*letter)->customer_id;
  reply.seq = seq;
  v1::Delivery d;
  d.set_state(v1::Delivery::QUEUED);
  d.set_channel(store::channel_from_name((*letter)->channel).value_or(v1::CHANNEL_UNSPECIFIED));
  d.set_attempts((*letter)->attempts);
  // The guard (only from FAILED) makes a second retry of the same letter a 409, not a second send.
  auto r = co_await timeline_.append(store::delivery_append(reply, std::move(d), who.sub, ids_.next()));
  if (!r && r.error() != errc::wrong_state) co_return store_error(r.error());
  auto removed = co_await letters_.remove(conversation_id, seq);
  if (!removed) co_return store_error(removed.error());
  if (!r) co_return json_error(409, "not_failed", "the reply is not failed any more: it was sent again already");
  http_answer a = json_ok(json::serialize(json::object{{"queued", true}, {"seq", r->seq}}));
  a.status = 202;
  co_return a;
}

}  // namespace switchboard::gateway
