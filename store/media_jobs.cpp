#include "store/media_jobs.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

namespace switchboard::store {

namespace asio = boost::asio;

asio::awaitable<result<void>> add_media_job(redis_client& redis, const key_layout& keys, media_job job) {
  auto args = cmd("XADD", keys.media_jobs(), "MAXLEN", "~", "100000", "*", "c", job.conversation_id, "cu", job.customer_id,
                  "sq", std::to_string(job.message_seq), "i", std::to_string(job.index), "u", job.url, "a", job.account);
  args.emplace_back("ct");
  args.push_back(job.content_type);
  args.emplace_back("fn");
  args.push_back(job.file_name);
  auto [ec, r] = co_await redis.async_exec(std::move(args), asio::as_tuple(asio::use_awaitable));
  if (ec) co_return ec;
  co_return result<void>();
}

std::optional<media_job> read_media_job(const reply& fields) {
  media_job j;
  bool seq = false;
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& k = fields.elements[i].str;
    const std::string& v = fields.elements[i + 1].str;
    if (k == "c") j.conversation_id = v;
    else if (k == "cu") j.customer_id = v;
    else if (k == "sq") seq = std::from_chars(v.data(), v.data() + v.size(), j.message_seq).ec == std::errc();
    else if (k == "i") std::from_chars(v.data(), v.data() + v.size(), j.index);
    else if (k == "u") j.url = v;
    else if (k == "a") j.account = v;
    else if (k == "ct") j.content_type = v;
    else if (k == "fn") j.file_name = v;
  }
  if (j.conversation_id.empty() || !seq || j.url.empty()) return std::nullopt;
  return j;
}

}  // namespace switchboard::store
