#include "store/pipeline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A pipeline in progress: at most `window` commands in flight, the next sent as each reply comes
// in, so that Redis never has more than `window` of them queued before another client's command.
template <class Handler>
struct pipeline_op : std::enable_shared_from_this<pipeline_op<Handler>> {
  pipeline_op(Handler h, asio::any_io_executor executor, std::size_t count, std::size_t in_flight, sender s)
      : handler(std::move(h)), ex(std::move(executor)), n(count), window(in_flight), send(std::move(s)), replies(n) {}

  void start() {
    if (n == 0) return finish();
    while (next < n && next < window) send_next();
  }
  void send_next() {
    const std::size_t i = next++;
    send(i, [self = this->shared_from_this(), i](error_code ec, reply r) { self->on_reply(i, ec, std::move(r)); });
  }
  void on_reply(std::size_t i, error_code ec, reply r) {
    if (ec && ec != errc::server_error && !first_error) first_error = ec;
    replies[i] = std::move(r);
    ++done;
    if (first_error) {
      n = next;  // the rest would fail too: not sent
    } else if (next < n) {
      send_next();
    }
    if (done == n) finish();
  }
  void finish() {
    // Resumed from the executor, not from inside hiredis's read callback.
    asio::post(ex, [self = this->shared_from_this()] {
      std::move(self->handler)(self->first_error, std::move(self->replies));
    });
  }

  Handler handler;
  asio::any_io_executor ex;
  std::size_t n, window;
  sender send;
  std::vector<reply> replies;
  std::size_t next = 0, done = 0;
  error_code first_error;
};

// Sends `n` commands on the one connection, `window` at a time at most (replies come back in
// order), and completes when the last reply is in: with every reply, error replies included, or
// with the first error that is not a reply (Redis down, a timeout).
template <class Token>
auto async_pipeline(asio::any_io_executor ex, std::size_t n, std::size_t window, sender send, Token&& token) {
  return asio::async_initiate<Token, void(error_code, std::vector<reply>)>(
      [](auto handler, asio::any_io_executor ex, std::size_t n, std::size_t window, sender send) {
        using op = pipeline_op<decltype(handler)>;
        std::make_shared<op>(std::move(handler), std::move(ex), n, std::max<std::size_t>(1, window), std::move(send))
            ->start();
      },
      token, std::move(ex), n, window, std::move(send));
}

}  // namespace

asio::awaitable<result<std::vector<reply>>> pipelined(redis_client& redis, std::size_t window, std::size_t n,
                                                       sender send) {
  auto [ec, replies] = co_await async_pipeline(redis.get_executor(), n, window, std::move(send),
                                               asio::as_tuple(asio::use_awaitable));
  if (ec) co_return ec;
  co_return std::move(replies);
}

// Sends plain commands (HGETALL, ZRANGE, ...) as one pipeline.
asio::awaitable<result<std::vector<reply>>> pipelined(redis_client& redis, std::size_t window,
                                                       const std::vector<std::vector<std::string>>& commands) {
  return pipelined(redis, window, commands.size(), [&redis, &commands](std::size_t i, reply_handler h) {
    std::vector<std::string_view> views(commands[i].begin(), commands[i].end());
    redis.exec(views, std::move(h));
  });
}

}  // namespace switchboard::store
