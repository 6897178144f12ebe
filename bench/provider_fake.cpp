#include "bench/provider_fake.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdio>
#include <exception>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct counts {
  long requests = 0;     // sends answered 200
  long refused = 0;      // sends answered 4xx
  long connections = 0;  // TLS handshakes completed
};

// The value of "key":"..." in a flat JSON text (the send call's own serialisation), or "".
std::string json_string(const std::string& body, const std::string& key) {
  const std::string k = "\"" + key + "\":\"";
  const auto at = body.find(k);
  if (at == std::string::npos) return {};
  const auto end = body.find('"', at + k.size());
  return end == std::string::npos ? std::string() : body.substr(at + k.size(), end - at - k.size());
}

http::response<http::string_body> answer(const provider_fake_options& o, const http::request<http::string_body>& req,
                                         counts& n) {
  http::response<http::string_body> res;
  res.version(11);
  res.keep_alive(req.keep_alive());
  res.set(http::field::content_type, "application/json");
  if (req.method() == http::verb::get && req.target() == "/counts") {
    res.result(http::status::ok);
    res.body() = "{\"requests\":" + std::to_string(n.requests) + ",\"refused\":" + std::to_string(n.refused) +
                 ",\"connections\":" + std::to_string(n.connections) + "}";
  } else if (req[http::field::authorization] != "Bearer " + o.access_token) {
    ++n.refused;
    res.result(http::status::unauthorized);
    res.body() = R"({"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}})";
  } else if (req.method() != http::verb::post || req.target() != o.path ||
             json_string(req.body(), "messaging_product") != "whatsapp" || json_string(req.body(), "type") != "text" ||
             json_string(req.body(), "to").empty() || req.body().find("\"text\":{\"body\":\"") == std::string::npos) {
    ++n.refused;
    res.result(http::status::bad_request);
    res.body() = R"({"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}})";
  } else {
    ++n.requests;
    const std::string to = json_string(req.body(), "to");
    res.result(http::status::ok);
    res.body() = R"({"messaging_product":"whatsapp","contacts":[{"input":")" + to + R"(","wa_id":")" + to +
                 R"("}],"messages":[{"id":"wamid.fake)" + std::to_string(n.requests) + R"("}]})";
  }
  res.prepare_payload();
  return res;
}

asio::awaitable<void> session(tcp::socket socket, ssl::context& ctx, const provider_fake_options& o, counts& n) {
  socket.set_option(tcp::no_delay(true));
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ctx);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
  if (hec) co_return;
  ++n.connections;
  beast::flat_buffer buffer;
  for (;;) {  // until the client closes, or asks to
    http::request<http::string_body> req;
    auto [rec, rn] = co_await http::async_read(stream, buffer, req, use_tuple);
    if (rec) break;
    auto res = answer(o, req, n);
    const bool keep = res.keep_alive();
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !keep) break;
  }
  beast::get_lowest_layer(stream).socket().close();
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, ssl::context& ctx, const provider_fake_options& o, counts& n) {
  for (;;) {  // until the acceptor is closed
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (!ec) asio::co_spawn(acceptor.get_executor(), session(std::move(socket), ctx, o, n), asio::detached);
  }
}

}  // namespace

int run_provider_fake(const provider_fake_options& o) {
  try {
    asio::io_context ioc(1);
    ssl::context ctx(ssl::context::tls_server);
    ctx.use_certificate_chain_file(o.cert_file);
    ctx.use_private_key_file(o.key_file, ssl::context::pem);
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(o.port)));
    counts n;
    asio::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code, int) { ioc.stop(); });
    asio::co_spawn(ioc, listen(acceptor, ctx, o, n), asio::detached);
    ioc.run();
    std::printf("provider fake: %ld sends answered, %ld refused, %ld TLS connections\n", n.requests, n.refused,
                n.connections);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "provider fake: %s\n", e.what());
    return 1;
  }
}

}  // namespace bench
