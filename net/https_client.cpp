#include "net/https_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <map>
#include <optional>

namespace switchboard::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxIdlePerHost = 8;

// One connection: TLS or plain.
struct connection {
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::optional<beast::tcp_stream> plain;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

struct target {
  bool tls = true;
  std::string host;
  std::string port;
  std::string path;  // with the query
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

std::optional<target> parse(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || (u->scheme() != "https" && u->scheme() != "http") || u->host().empty()) return std::nullopt;
  target t;
  t.tls = u->scheme() == "https";
  t.host = std::string(u->encoded_host());
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.path = std::string(u->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return t;
}

}  // namespace

struct https_client::impl {
  asio::any_io_executor ex;
  ssl::context ctx{ssl::context::tls_client};
  std::chrono::milliseconds timeout;
  std::map<std::string, std::vector<std::unique_ptr<connection>>> idle;

  asio::awaitable<std::unique_ptr<connection>> connect(const target& t, std::string& error) {
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(t.host, t.port, use_tuple);
    if (rec) {
      error = "cannot resolve " + t.host + ": " + rec.message();
      co_return nullptr;
    }
    auto c = std::make_unique<connection>();
    if (t.tls) {
      c->tls.emplace(ex, ctx);
      if (!SSL_set_tlsext_host_name(c->tls->native_handle(), t.host.c_str())) {
        error = "TLS: cannot set the server name";
        co_return nullptr;
      }
      c->tls->set_verify_callback(ssl::host_name_verification(t.host));
    } else {
      c->plain.emplace(ex);
    }
    c->lowest().expires_after(timeout);
    auto [cec, ep] = co_await c->lowest().async_connect(endpoints, use_tuple);
    if (cec) {
      error = "cannot connect to " + t.key() + ": " + cec.message();
      co_return nullptr;
    }
    if (t.tls) {
      auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, use_tuple);
      if (hec) {
        error = "TLS handshake with " + t.host + ": " + hec.message();
        co_return nullptr;
      }
    }
    co_return c;
  }

  // One exchange on `c`; false with `error` when the connection failed (it is then dropped).
  asio::awaitable<bool> exchange(connection& c, const target& t, const https_request& req, https_reply& out,
                                 bool& keep) {
    // Field by field, not a braced list with strings: GCC 12 mishandles those in coroutines.
    http::request<http::string_body> r;
    r.method(http::string_to_verb(req.method));
    r.target(t.path);
    r.version(11);
    r.set(http::field::host, t.host);
    r.set(http::field::user_agent, "switchboard");
    for (const auto& [k, v] : req.headers) r.set(k, v);
    if (!req.content_type.empty()) r.set(http::field::content_type, req.content_type);
    r.body() = req.body;
    r.prepare_payload();
    r.keep_alive(true);
    c.lowest().expires_after(timeout);
    http::response_parser<http::string_body> parser;
    parser.body_limit(req.max_body);
    boost::system::error_code ec;
    if (c.tls) {
      std::tie(ec, std::ignore) = co_await http::async_write(*c.tls, r, use_tuple);
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(*c.tls, c.buffer, parser, use_tuple);
    } else {
      std::tie(ec, std::ignore) = co_await http::async_write(*c.plain, r, use_tuple);
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(*c.plain, c.buffer, parser, use_tuple);
    }
    if (ec) {
      // Not a ?: of std::string temporaries: GCC 12 destroys those twice in a coroutine.
      if (ec == beast::error::timeout) {
        out.error = "timed out";
      } else if (ec == http::error::body_limit) {
        out.error = "the answer is larger than " + std::to_string(req.max_body) + " bytes";
        out.too_large = true;
      } else {
        out.error = ec.message();
      }
      co_return false;
    }
    auto& res = parser.get();
    out.status = res.result_int();
    out.body = std::move(res.body());
    out.retry_after = std::string(res[http::field::retry_after]);
    out.location = std::string(res[http::field::location]);
    out.content_type = std::string(res[http::field::content_type]);
    out.error.clear();
    keep = res.keep_alive();
    co_return true;
  }
};

https_client::https_client(asio::any_io_executor ex, const std::string& ca_file, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->ex = std::move(ex);
  impl_->timeout = timeout;
  impl_->ctx.set_default_verify_paths();
  if (!ca_file.empty()) impl_->ctx.load_verify_file(ca_file);  // throws with the reason: a start-up error
  impl_->ctx.set_verify_mode(ssl::verify_peer);
}

https_client::~https_client() = default;

std::size_t https_client::idle_connections() const {
  std::size_t n = 0;
  for (const auto& [k, v] : impl_->idle) n += v.size();
  return n;
}

asio::awaitable<https_reply> https_client::send(https_request req) {
  https_reply out;
  const auto t = parse(req.url);
  if (!t) {
    out.error = "not an http(s) URL: " + req.url;
    co_return out;
  }
  // A kept connection first; if the server closed it meanwhile, once more on a new one.
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<connection> c;
    auto& pool = impl_->idle[t->key()];
    const bool reused = !pool.empty();
    if (reused) {
      c = std::move(pool.back());
      pool.pop_back();
    } else {
      c = co_await impl_->connect(*t, out.error);
      if (!c) co_return out;
    }
    bool keep = false;
    if (co_await impl_->exchange(*c, *t, req, out, keep)) {
      if (keep && pool.size() < kMaxIdlePerHost) impl_->idle[t->key()].push_back(std::move(c));
      co_return out;
    }
    if (!reused || out.too_large) co_return out;  // a fresh connection failed, or the answer was too large
  }
  co_return out;
}

}  // namespace switchboard::net
