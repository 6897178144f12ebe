#include "store/deliveries.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/idempotency.hpp"

namespace switchboard::store {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kKeepSeconds = "2592000";  // 30 days: statuses come within hours

}  // namespace

asio::awaitable<result<void>> delivery_repository::remember(v1::Channel channel, std::string provider_message_id, sent_reply r) {
  const std::string key = keys_.sent_message(channel, provider_message_id);
  auto [ec, x] = co_await redis_.async_exec(cmd("HSET", key, "c", r.conversation_id, "cu", r.customer_id, "sq", std::to_string(r.seq)), use_tuple);
  if (ec) co_return ec;
  auto [ec2, y] = co_await redis_.async_exec(cmd("EXPIRE", key, kKeepSeconds), use_tuple);
  if (ec2) co_return ec2;
  co_return result<void>();
}

asio::awaitable<result<std::optional<sent_reply>>> delivery_repository::find(v1::Channel channel, std::string provider_message_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("HMGET", keys_.sent_message(channel, provider_message_id), "c", "cu", "sq"), use_tuple);
  if (ec) co_return ec;
  if (r.elements.size() != 3 || r.elements[0].is_nil()) co_return std::optional<sent_reply>();
  sent_reply out;
  out.conversation_id = r.elements[0].str;
  out.customer_id = r.elements[1].str;
  out.seq = std::atoll(r.elements[2].str.c_str());
  co_return std::optional<sent_reply>(std::move(out));
}

asio::awaitable<result<void>> delivery_repository::remember_unread(v1::Channel channel, std::string address, sent_reply r,
                                                                 std::int64_t sent_at_ms) {
  const std::string key = keys_.unread_replies(channel, address);
  const std::string member = r.conversation_id + "\n" + r.customer_id + "\n" + std::to_string(r.seq);
  auto [ec, x] = co_await redis_.async_exec(cmd("ZADD", key, std::to_string(sent_at_ms), member), use_tuple);
  if (ec) co_return ec;
  auto [ec2, y] = co_await redis_.async_exec(cmd("EXPIRE", key, kKeepSeconds), use_tuple);
  if (ec2) co_return ec2;
  co_return result<void>();
}

asio::awaitable<result<std::vector<sent_reply>>> delivery_repository::unread_up_to(v1::Channel channel, std::string address,
                                                                                std::int64_t watermark_ms) {
  auto [ec, r] = co_await redis_.async_exec(
      cmd("ZRANGEBYSCORE", keys_.unread_replies(channel, address), "-inf", std::to_string(watermark_ms), "LIMIT", "0", "1000"),
      use_tuple);
  if (ec) co_return ec;
  std::vector<sent_reply> out;
  for (const auto& m : r.elements) {
    const auto a = m.str.find('\n');
    const auto b = a == std::string::npos ? a : m.str.find('\n', a + 1);
    if (b == std::string::npos) continue;
    sent_reply s;
    s.conversation_id = m.str.substr(0, a);
    s.customer_id = m.str.substr(a + 1, b - a - 1);
    s.seq = std::atoll(m.str.c_str() + b + 1);
    out.push_back(std::move(s));
  }
  co_return out;
}

asio::awaitable<result<void>> delivery_repository::forget_read(v1::Channel channel, std::string address, std::int64_t watermark_ms) {
  auto [ec, r] = co_await redis_.async_exec(
      cmd("ZREMRANGEBYSCORE", keys_.unread_replies(channel, address), "-inf", std::to_string(watermark_ms)), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<std::optional<sent_reply>>> delivery_repository::find_received(std::string customer_id, v1::Channel channel,
                                                                                   std::string provider_message_id) {
  const std::string key = keys_.dedupe(customer_id, idempotency::provider_message(channel_name(channel), provider_message_id));
  auto [ec, r] = co_await redis_.async_exec(cmd("GET", key), use_tuple);
  if (ec) co_return ec;
  // The first append's result: "<conversation>\n<seq>\n<entry id>\n<state>" (store/lua/append.lua).
  const auto a = r.str.find('\n');
  if (r.is_nil() || a == std::string::npos) co_return std::optional<sent_reply>();
  sent_reply out;
  out.conversation_id = r.str.substr(0, a);
  out.customer_id = std::move(customer_id);
  out.seq = std::atoll(r.str.c_str() + a + 1);
  co_return std::optional<sent_reply>(std::move(out));
}

append_request delivery_append(const sent_reply& r, v1::Delivery d, std::string actor, std::string_view round) {
  append_request req;
  req.customer_id = r.customer_id;
  req.conversation_id = r.conversation_id;
  req.mode = append_request::target::existing;
  req.event.set_actor(std::move(actor));
  d.set_message_seq(r.seq);
  const std::string field = "dl:" + std::to_string(r.seq);
  switch (d.state()) {
    case v1::Delivery::QUEUED: req.guard.require(field, {"failed"}); break;
    case v1::Delivery::SENT: req.guard.require(field, {"", "queued"}); break;
    case v1::Delivery::DELIVERED: req.guard.require(field, {"", "sent"}); break;
    case v1::Delivery::READ: req.guard.require(field, {"", "sent", "delivered"}); break;
    default: req.guard.require(field, {"", "queued", "sent", "delivered"}); break;  // FAILED
  }
  req.idempotency_key = field + ":" + std::string(v1::Delivery::State_Name(d.state())) + ":" + std::string(round);
  *req.event.mutable_delivery() = std::move(d);
  return req;
}

}  // namespace switchboard::store
