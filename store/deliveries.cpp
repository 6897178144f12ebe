#include "store/deliveries.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

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
