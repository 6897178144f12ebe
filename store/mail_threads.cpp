#include "store/mail_threads.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kKeepSeconds = "31536000";  // a year after the customer's last mail
constexpr std::size_t kMaxIds = 64;                // of a References list, the latest this many

}  // namespace

asio::awaitable<result<mail_thread_match>> mail_thread_repository::find(std::string customer_id, std::vector<std::string> message_ids,
                                                                        std::string subject_key, std::int64_t not_before_ms) {
  mail_thread_match out;
  if (message_ids.size() > kMaxIds) message_ids.erase(message_ids.begin(), message_ids.end() - kMaxIds);
  if (message_ids.empty() && subject_key.empty()) co_return out;
  std::vector<std::string> c = cmd("HMGET", keys_.customer_mail(customer_id));
  for (const auto& id : message_ids) c.push_back("m:" + id);
  if (!subject_key.empty()) c.push_back("s:" + subject_key);
  auto [ec, r] = co_await redis_.async_exec(std::move(c), use_tuple);
  if (ec) co_return ec;
  const std::size_t ids = message_ids.size();
  if (r.elements.size() != ids + (subject_key.empty() ? 0 : 1)) co_return error_code(errc::protocol_error);
  for (std::size_t i = ids; i-- > 0;) {
    if (!r.elements[i].is_nil() && !r.elements[i].str.empty()) {
      out.by_message_id = r.elements[i].str;
      break;
    }
  }
  if (!subject_key.empty() && !r.elements[ids].is_nil()) {
    const std::string& v = r.elements[ids].str;
    const auto bar = v.rfind('|');
    if (bar != std::string::npos && std::atoll(v.c_str() + bar + 1) >= not_before_ms) out.by_subject = v.substr(0, bar);
  }
  co_return out;
}

asio::awaitable<result<void>> mail_thread_repository::remember(std::string customer_id, std::string conversation_id,
                                                               std::string message_id, std::string subject_key, std::int64_t at_ms) {
  const std::string key = keys_.customer_mail(customer_id);
  std::vector<std::string> c = cmd("HSET", key);
  if (!message_id.empty()) {
    c.push_back("m:" + message_id);
    c.push_back(conversation_id);
  }
  if (!subject_key.empty()) {
    c.push_back("s:" + subject_key);
    c.push_back(conversation_id + "|" + std::to_string(at_ms));
  }
  if (c.size() == 2) co_return result<void>();
  auto [ec, x] = co_await redis_.async_exec(std::move(c), use_tuple);
  if (ec) co_return ec;
  auto [ec2, y] = co_await redis_.async_exec(cmd("EXPIRE", key, kKeepSeconds), use_tuple);
  if (ec2) co_return ec2;
  co_return result<void>();
}

}  // namespace switchboard::store
