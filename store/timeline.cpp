#include "store/timeline.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/conversation_rules.hpp"
#include "store/merged_timeline.hpp"
#include "store/scripts.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string_view mode_name(append_request::target t) {
  switch (t) {
    case append_request::target::existing: return "existing";
    case append_request::target::open_new: return "new";
    case append_request::target::current: return "current";
    case append_request::target::current_or_family: return "current-family";
  }
  return "existing";
}

error_code from_script_error(const reply& r) {
  auto code = r.error_code();
  if (code == "NOCONV") return errc::not_found;
  if (code == "EXISTS") return errc::conflict;
  if (code == "FENCED") return errc::fenced;
  if (code == "STATE") return errc::wrong_state;
  if (code == "MERGED") return errc::merged;
  return errc::server_error;
}

}  // namespace

result<v1::Event> decode_timeline_entry(const reply& entry) {
  if (!entry.is_array() || entry.elements.size() != 2 || !entry.elements[1].is_array()) {
    return error_code(errc::protocol_error);
  }
  const auto& fields = entry.elements[1].elements;
  v1::Event ev;
  std::string_view conv, bytes;
  std::int64_t seq = 0;
  bool have_bytes = false;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const auto& k = fields[i].str;
    if (k == "c") {
      conv = fields[i + 1].str;
    } else if (k == "s") {
      seq = fields[i + 1].as_int().value_or(0);
    } else if (k == "e") {
      bytes = fields[i + 1].str;
      have_bytes = true;
    }
  }
  if (!have_bytes || !ev.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return error_code(errc::protocol_error);
  }
  ev.set_conversation_id(std::string(conv));
  ev.set_seq(seq);
  return ev;
}

result<v1::Conversation> decode_conversation_hash(const reply& r) {
  if (!r.is_array()) return error_code(errc::protocol_error);
  if (r.elements.empty()) return error_code(errc::not_found);
  v1::Conversation c;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& f = r.elements[i].str;
    const reply& v = r.elements[i + 1];
    const std::int64_t n = v.as_int().value_or(0);
    if (f == "id") c.set_id(v.str);
    else if (f == "customer_id") c.set_customer_id(v.str);
    else if (f == "state") c.set_state(state_from_name(v.str));
    else if (f == "channel") c.set_channel(channel_from_name(v.str).value_or(v1::CHANNEL_UNSPECIFIED));
    else if (f == "last_channel") c.set_last_channel(channel_from_name(v.str).value_or(v1::CHANNEL_UNSPECIFIED));
    else if (f == "last_seq") c.set_last_seq(n);
    else if (f == "queue") c.set_queue(v.str);
    else if (f == "priority") c.set_priority(static_cast<std::int32_t>(n));
    else if (f == "team") c.set_team(v.str);
    else if (f == "owner_id") c.set_owner_id(v.str);
    else if (f == "created_at_ms") c.set_created_at_ms(n);
    else if (f == "first_offered_at_ms") c.set_first_offered_at_ms(n);
    else if (f == "first_response_at_ms") c.set_first_response_at_ms(n);
    else if (f == "resolved_at_ms") c.set_resolved_at_ms(n);
    else if (f == "updated_at_ms") c.set_updated_at_ms(n);
    else if (f == "reopen_count") c.set_reopen_count(static_cast<std::int32_t>(n));
    else if (f == "customer_gone_at_ms") c.set_customer_gone_at_ms(n);
    else if (f == "whatsapp_window_ends_at_ms") c.set_whatsapp_window_ends_at_ms(n);
  }
  return c;
}

timeline_repository::timeline_repository(redis_client& redis, const key_layout& keys, id_generator& ids,
                                         const clock& clk, const v1::StoreConfig& cfg)
    : redis_(redis),
      keys_(keys),
      ids_(ids),
      clock_(clk),
      dedupe_ttl_s_(std::to_string(cfg.dedupe_ttl_seconds())),
      reopen_window_ms_(std::to_string(std::int64_t{cfg.reopen_window_seconds()} * 1000)) {}

asio::awaitable<result<append_result>> timeline_repository::append(append_request req) {
  if (req.customer_id.empty() || req.event.kind_case() == v1::Event::KIND_NOT_SET) {
    co_return error_code(errc::bad_input);
  }
  if (req.mode == append_request::target::existing && !keys_.group_of_conversation(req.conversation_id)) {
    co_return error_code(errc::not_found);
  }
  const std::int64_t now = clock_.unix_ms();
  if (req.event.event_id().empty()) req.event.set_event_id(ids_.next());
  if (req.event.at_ms() == 0) req.event.set_at_ms(now);
  std::string conv = req.mode == append_request::target::existing ? req.conversation_id
                                                                  : keys_.conversation_id(ids_.next(), req.customer_id);
  if (keys_.group_of_conversation(conv) != keys_.group_of_customer(req.customer_id)) {
    co_return error_code(errc::not_found);  // a conversation of another customer's group
  }
  // The stored bytes leave out what the stream entry holds beside them.
  req.event.clear_conversation_id();
  req.event.clear_seq();
  const std::string bytes = req.event.SerializeAsString();
  const append_effects fx = effects_of(req.event);
  if (req.mode != append_request::target::existing && fx.create_state == v1::CONVERSATION_STATE_UNSPECIFIED) {
    co_return error_code(errc::bad_input);
  }

  const int group = keys_.group_of_customer(req.customer_id);
  std::vector<std::string> k = {
      keys_.dedupe(req.customer_id, req.idempotency_key.empty() ? "-" : req.idempotency_key),
      keys_.timeline(req.customer_id), keys_.customer(req.customer_id), keys_.routing_requests(group),
      keys_.fence(group), keys_.active(group), keys_.audit(group), keys_.conversations_by_time(group),
      keys_.outbox(group)};
  std::vector<std::string> a = {std::string(mode_name(req.mode)),
                                conv,
                                req.customer_id,
                                bytes,
                                std::to_string(now),
                                req.idempotency_key,
                                dedupe_ttl_s_,
                                reopen_window_ms_,
                                keys_.conversation_prefix(req.customer_id)};
  for (auto& arg : encode_append_args(req, fx)) a.push_back(std::move(arg));
  auto [ec, r] = co_await redis_.async_eval(scripts::append(), std::move(k), std::move(a), use_tuple);
  if (ec == errc::server_error) co_return from_script_error(r);
  if (ec) co_return ec;
  if (!r.is_array() || r.elements.size() != 6) co_return error_code(errc::protocol_error);
  if (auto replicated = co_await on_replicas(keys_.timeline(req.customer_id)); !replicated) co_return replicated.error();
  append_result out;
  out.duplicate = r.elements[0].as_int().value_or(0) == 1;
  out.conversation_id = r.elements[1].str;
  out.seq = r.elements[2].as_int().value_or(0);
  out.timeline_id = r.elements[3].str;
  out.state = state_from_name(r.elements[4].str);
  out.created = r.elements[5].as_int().value_or(0) == 1;
  co_return out;
}

// redis.wait_replicas: WAIT for them after a write (on the same connection, so the write is
// among what they must have; with a Cluster, on the connection to the primary of the written
// key). Fewer in time: not_replicated, which senders hear as "retry".
asio::awaitable<result<void>> timeline_repository::on_replicas(std::string written) {
  const int n = redis_.wait_replicas();
  if (n == 0) co_return result<void>();
  auto [ec, r] = co_await redis_.async_exec_near(std::move(written), cmd("WAIT", std::to_string(n),
                                                                         std::to_string(redis_.wait_timeout().count())),
                                                 use_tuple);
  if (ec) co_return ec;
  if (r.as_int().value_or(0) < n) co_return error_code(errc::not_replicated);
  co_return result<void>();
}

asio::awaitable<result<timeline_page>> timeline_repository::read_timeline(std::string customer_id, std::string after,
                                                                          std::size_t count) {
  return read_merged_timeline(redis_, keys_, std::move(customer_id), std::move(after), count);
}

asio::awaitable<result<std::vector<v1::Event>>> timeline_repository::read_conversation(std::string conversation_id,
                                                                                       std::int64_t after_seq,
                                                                                       std::size_t count) {
  if (!keys_.group_of_conversation(conversation_id)) co_return error_code(errc::not_found);
  if (after_seq < 0 || count == 0) co_return error_code(errc::bad_input);
  auto [ec, r] = co_await redis_.async_eval(scripts::read_conversation(), cmd(keys_.conversation(conversation_id)),
                                            cmd(std::to_string(after_seq), std::to_string(count),
                                                keys_.timeline_prefix_of(conversation_id)),
                                            use_tuple);
  if (ec == errc::server_error) co_return from_script_error(r);
  if (ec) co_return ec;
  if (!r.is_array()) co_return error_code(errc::protocol_error);
  std::vector<v1::Event> out;
  out.reserve(r.elements.size());
  for (const auto& entry : r.elements) {
    auto ev = decode_timeline_entry(entry);
    if (!ev) co_return ev.error();
    out.push_back(std::move(*ev));
  }
  co_return out;
}

asio::awaitable<result<bool>> timeline_repository::may_read_customer(std::string customer_id, std::string staff_id,
                                                                      std::vector<std::string> teams) {
  if (customer_id.empty()) co_return result<bool>(boost::system::in_place_error, errc::bad_input);
  std::vector<std::string> args = cmd("SMISMEMBER", keys_.customer_readers(customer_id));
  if (!staff_id.empty()) args.push_back("a:" + staff_id);
  for (const auto& t : teams) {
    if (!t.empty()) args.push_back("t:" + t);
  }
  if (args.size() == 2) co_return false;  // nobody named: nothing to ask
  auto [ec, r] = co_await redis_.async_exec(std::move(args), use_tuple);
  if (ec) co_return result<bool>(boost::system::in_place_error, ec);
  if (!r.is_array()) co_return result<bool>(boost::system::in_place_error, errc::protocol_error);
  co_return std::any_of(r.elements.begin(), r.elements.end(),
                        [](const reply& e) { return e.as_int().value_or(0) == 1; });
}

asio::awaitable<result<bool>> timeline_repository::customer_exists(std::string customer_id) {
  if (customer_id.empty()) co_return result<bool>(boost::system::in_place_error, errc::bad_input);
  auto [ec, r] = co_await redis_.async_exec(cmd("EXISTS", keys_.customer(customer_id)), use_tuple);
  if (ec) co_return result<bool>(boost::system::in_place_error, ec);
  co_return r.as_int().value_or(0) == 1;
}

asio::awaitable<result<std::string>> timeline_repository::open_conversation(std::string customer_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("HGET", keys_.customer(customer_id), "open"), use_tuple);
  if (ec) co_return ec;
  co_return r.is_string() ? r.str : std::string();
}

asio::awaitable<result<void>> timeline_repository::publish_ephemeral(std::string conversation_id, v1::Event ev) {
  const std::string channel = keys_.conversation_channel(conversation_id);
  if (channel.empty()) co_return error_code(errc::not_found);
  if (ev.at_ms() == 0) ev.set_at_ms(clock_.unix_ms());
  ev.clear_conversation_id();
  ev.clear_seq();
  auto [ec, r] = co_await redis_.async_exec(cmd("SPUBLISH", channel, "0\n-\n" + ev.SerializeAsString()), use_tuple);
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<void>> timeline_repository::publish_frame(std::string conversation_id, std::string frame_bytes) {
  const std::string channel = keys_.conversation_channel(conversation_id);
  if (channel.empty()) co_return error_code(errc::not_found);
  auto [ec, r] = co_await redis_.async_exec(cmd("SPUBLISH", channel, "F\n" + frame_bytes), use_tuple);
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<v1::Conversation>> timeline_repository::conversation(std::string conversation_id) {
  const std::string key = keys_.conversation(conversation_id);
  if (key.empty()) co_return error_code(errc::not_found);
  auto [ec, r] = co_await redis_.async_exec(cmd("HGETALL", key), use_tuple);
  if (ec) co_return ec;
  co_return decode_conversation_hash(r);
}

}  // namespace switchboard::store
