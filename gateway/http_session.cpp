#include "gateway/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>

#include "core/log.hpp"
#include "gateway/auth/jwt.hpp"
#include "gateway/protocol/ws_framing.hpp"
#include "gateway/ws_context.hpp"
#include "gateway/ws_session.hpp"
#include "media/blob_url.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {
constexpr std::size_t kBodyLimit = 64 * 1024;  // answered with 413 by Beast's parser error
// Without a ws_context, the config's defaults of server.handshake_timeout_seconds and
// server.idle_timeout_seconds.
constexpr auto kDefaultRequestTimeout = std::chrono::seconds(10);
constexpr auto kDefaultIdleTimeout = std::chrono::seconds(60);
// Retry-After of an upgrade refused for too many connections.
constexpr auto kConnectionRetryAfter = std::chrono::seconds(1);

// RFC 9112 §6.1-6.3: a request body is framed by Content-Length, or by Transfer-Encoding: chunked
// alone. Any other Transfer-Encoding (another coding, a list, the field twice, with Content-Length,
// in HTTP/1.0) cannot be framed the same way by every hop: it is how requests are smuggled.
// Returns why such a request is refused, or nothing.
std::optional<std::string_view> framing_problem(const http::request_header<>& req) {
  const auto codings = req.count(http::field::transfer_encoding);
  if (codings == 0) return std::nullopt;
  if (codings > 1) return "Transfer-Encoding: given more than once";
  if (req.count(http::field::content_length) != 0) return "Transfer-Encoding: given with Content-Length";
  if (req.version() < 11) return "Transfer-Encoding: not allowed in HTTP/1.0";
  auto te = std::string_view(req[http::field::transfer_encoding]);
  while (!te.empty() && (te.front() == ' ' || te.front() == '\t')) te.remove_prefix(1);
  while (!te.empty() && (te.back() == ' ' || te.back() == '\t')) te.remove_suffix(1);
  if (!beast::iequals(te, "chunked")) return "Transfer-Encoding: only chunked alone is accepted";
  return std::nullopt;
}

// The client address for limits per client: the TCP peer's IP (an IPv4-mapped IPv6 one as IPv4, so
// that a dual-stack listener counts a client once). Proxy headers (X-Forwarded-For, Forwarded) are
// deliberately not trusted: a client could name any address in them. Empty if the peer is gone.
std::string peer_address_of(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return {};
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

struct http_session::state {
  explicit state(asio::ip::tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer{8192};
  std::optional<http::request_parser<http::string_body>> parser;
  http::response<http::string_body> response;
  std::chrono::seconds request_timeout = kDefaultRequestTimeout;  // one request, first byte to body's end
  std::chrono::seconds idle_timeout = kDefaultIdleTimeout;        // between requests; writing an answer
  bool answered = false;  // a request was answered: the next one may wait idle_timeout to start
  bool closing = false;   // stop() was called: no further requests
  bool writing = false;
  std::string peer_address;  // the client's, as accepted (peer_address_of)
};

http_session::http_session(asio::ip::tcp::socket socket, std::shared_ptr<const http_handler> handler,
                           std::shared_ptr<ws_context> ws)
    : s_(std::make_unique<state>(std::move(socket))), handler_(std::move(handler)), ws_(std::move(ws)) {
  s_->peer_address = peer_address_of(s_->stream.socket());
  if (ws_) {
    s_->request_timeout = ws_->handshake_timeout;
    s_->idle_timeout = ws_->idle_timeout;
  }
}

http_session::~http_session() = default;

void http_session::run() {
  asio::dispatch(s_->stream.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void http_session::close() {
  asio::post(s_->stream.get_executor(), [self = shared_from_this()] {
    self->s_->closing = true;
    // Idle between requests (or mid-request): cancel the read. A write in progress finishes first.
    if (!self->s_->writing) self->s_->stream.cancel();
  });
}

void http_session::do_read() {
  if (s_->closing) return do_close();
  s_->parser.emplace();
  // The largest body any route takes: Beast checks a Content-Length against it with the header;
  // on_header then holds each route to its own.
  s_->parser->body_limit(ws_ ? std::max({kBodyLimit, ws_->max_webhook_bytes, ws_->max_upload_bytes}) : kBodyLimit);
  if (!s_->answered || s_->buffer.size() != 0) {
    // A new connection, or a pipelined request already begun: the request is due now.
    s_->stream.expires_after(s_->request_timeout);
    return do_read_header();
  }
  // Kept alive: the next request may take idle_timeout to start.
  s_->stream.expires_after(s_->idle_timeout);
  s_->stream.async_read_some(s_->buffer.prepare(s_->buffer.max_size() - s_->buffer.size()),
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                               self->on_next_request(ec, n);
                             });
}

void http_session::on_next_request(beast::error_code ec, std::size_t n) {
  if (ec) return do_close();  // the client closed, idled out, or close() was called
  s_->buffer.commit(n);
  s_->stream.expires_after(s_->request_timeout);
  do_read_header();
}

void http_session::do_read_header() {
  http::async_read_header(s_->stream, s_->buffer, *s_->parser,
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_header(ec, n); });
}

std::string http_session::too_large_why(std::string_view target) const {
  if (ws_ && target.starts_with("/v1/blobs")) {
    return "a file may be at most " + media::size_in_words(static_cast<std::int64_t>(ws_->max_upload_bytes)) + " (media.max_bytes)";
  }
  if (ws_ && target.starts_with("/v1/webhooks/")) return "larger than channels.max_webhook_bytes";
  return "a request body may be at most 64 KiB";
}

void http_session::on_header(beast::error_code ec, std::size_t n) {
  if (ec) return on_read(ec, n);
  if (auto why = framing_problem(s_->parser->get())) {
    return write_answer(json_error(400, "bad_request", *why), false, s_->parser->get().version());
  }
  // Each route's body limit: a provider's webhook (channels.max_webhook_bytes), a file a staff
  // member uploads (media.max_bytes; only a POST with credentials), else 64 KiB.
  const auto& head = s_->parser->get();
  const std::string_view target(head.target());
  const bool webhook = ws_ && target.starts_with("/v1/webhooks/");
  const bool file = ws_ && head.method() == http::verb::post && (target == "/v1/blobs" || target.starts_with("/v1/blobs?"));
  if (file && !std::string_view(head[http::field::authorization]).starts_with("Bearer ") &&
      std::string_view(head[http::field::cookie]).find("sb_session=") == std::string_view::npos) {
    // Nobody's file is read: told at once (the credentials themselves are checked with the body).
    return write_answer(json_error(401, "unauthorized", "an Authorization: Bearer token or a sign-in session is required"), false,
                        head.version());
  }
  std::size_t limit = kBodyLimit;
  if (webhook) limit = ws_->max_webhook_bytes;
  if (file) limit = ws_->max_upload_bytes;
  if (const auto length = s_->parser->content_length(); length && *length > limit) {
    return write_answer(json_error(413, "payload_too_large", too_large_why(target)), false, head.version());
  }
  s_->parser->body_limit(limit);  // a chunked body: counted as it comes
  if (file) {
    // The deadline grows with the file's length, at 32 KiB/s at least (up to 10 minutes), so that
    // an agent on a slow line can send 20 MiB.
    const auto length = s_->parser->content_length().value_or(ws_->max_upload_bytes);
    const auto slow = std::chrono::seconds(std::min<std::uint64_t>(600, length / (32 * 1024)));
    s_->stream.expires_after(std::max<std::chrono::seconds>(s_->request_timeout, slow));
  }
  // The body, within the same deadline (or the file's).
  http::async_read(s_->stream, s_->buffer, *s_->parser,
                   [self = shared_from_this()](beast::error_code rec, std::size_t rn) { self->on_read(rec, rn); });
}

namespace {

// The log line of an answered request: at debug, or warn for a 5xx (the answer's X-Request-Id
// finds it). The query is left out: it may hold a token.
struct answered_line {
  std::string request_id, method, path;
  std::chrono::steady_clock::time_point started;

  void log(int status) const {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    log_with(status >= 500 ? spdlog::level::warn : spdlog::level::debug, {.request = request_id},
             "http {} {} answered {} in {} us", method, path, status, us.count());
  }
};

}  // namespace

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return do_close();
  }
  if (ec) {
    const bool too_large = ec == http::error::body_limit;
    const std::string why = too_large ? too_large_why(std::string_view(s_->parser->get().target())) : ec.message();
    return write_answer(json_error(static_cast<int>(too_large ? http::status::payload_too_large : http::status::bad_request),
                                   too_large ? "payload_too_large" : "bad_request", why),
                        false, 11);
  }
  if (ws_ && websocket::is_upgrade(s_->parser->get()) && try_upgrade()) return;
  auto& req = s_->parser->get();
  const bool keep_alive = req.keep_alive();
  const unsigned version = req.version();
  http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.body = std::move(req.body());
  r.authorization = std::string(req[http::field::authorization]);
  r.origin = std::string(req[http::field::origin]);
  r.host = std::string(req[http::field::host]);
  r.cookie = std::string(req[http::field::cookie]);
  r.csrf_token = std::string(req["X-CSRF-Token"]);
  r.accept_encoding = std::string(req[http::field::accept_encoding]);
  r.if_none_match = std::string(req[http::field::if_none_match]);
  r.content_type = std::string(req[http::field::content_type]);
  r.hub_signature = std::string(req["X-Hub-Signature-256"]);
  r.telegram_secret = std::string(req["X-Telegram-Bot-Api-Secret-Token"]);
  r.twilio_signature = std::string(req["X-Twilio-Signature"]);
  r.peer_address = s_->peer_address;
  r.request_id = request_id_of(std::string_view(req["X-Request-Id"]));
  answered_line line{r.request_id, r.method, r.target.substr(0, r.target.find('?')), std::chrono::steady_clock::now()};
  (*handler_)(std::move(r), [self = shared_from_this(), keep_alive, version, line = std::move(line)](http_answer a) {
    line.log(a.status);
    a.headers.emplace_back("X-Request-Id", line.request_id);
    asio::post(self->s_->stream.get_executor(), [self, keep_alive, version, a = std::move(a)]() mutable {
      self->write_answer(std::move(a), keep_alive, version);
    });
  });
}

void http_session::write_answer(http_answer a, bool keep_alive, unsigned version) {
  auto& res = s_->response;
  res = {};
  res.version(version);
  res.result(static_cast<http::status>(a.status));
  res.set(http::field::content_type, a.content_type);
  res.body() = std::move(a.body);
  res.set(http::field::server, "switchboard");
  for (const auto& [name, value] : a.headers) res.set(name, value);
  keep_alive = keep_alive && !s_->closing;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  s_->answered = true;
  s_->writing = true;
  s_->stream.expires_after(s_->idle_timeout);  // a reader that stops reading is cut off
  http::async_write(s_->stream, res, [self = shared_from_this(), keep_alive](beast::error_code wec, std::size_t n) {
    self->on_write(keep_alive, wec, n);
  });
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  s_->writing = false;
  if (ec || !keep_alive || s_->closing) return do_close();
  do_read();
}

namespace {

// The token of an upgrade: "Authorization: Bearer <t>", or ?access_token=<t> (browsers cannot set
// headers on a WebSocket).
std::string token_of(const http::request<http::string_body>& req) {
  const auto auth = std::string_view(req[http::field::authorization]);
  if (auth.rfind("Bearer ", 0) == 0) return std::string(auth.substr(7));
  auto u = boost::urls::parse_origin_form(std::string_view(req.target()));
  if (!u) return {};
  auto it = u->params().find("access_token");
  return it == u->params().end() ? std::string() : std::string((*it).value);
}

// Whether the upgrade asked for boards as changes: ?boards=changes (docs/PROTOCOL.md "Boards").
bool wants_board_changes(const http::request<http::string_body>& req) {
  auto u = boost::urls::parse_origin_form(std::string_view(req.target()));
  if (!u) return false;
  auto it = u->params().find("boards");
  return it != u->params().end() && (*it).value == "changes";
}

}  // namespace

void http_session::refuse(int status, std::string_view code, std::string_view message) {
  write_answer(json_error(status, code, message), false, s_->parser->get().version());
}

namespace {
// Whether the browser page that opens a socket with a session cookie is one of this server's:
// its Origin's host is the Host it connects to, or it is one of server.allowed_origins. Cookies
// travel with any page's WebSocket, so another site's page must not ride on them.
bool same_site_page(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;  // not a browser
  if (std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) return true;
  const auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && origin.substr(scheme_end + 3) == host;
}
}  // namespace

bool http_session::try_upgrade() {
  const auto& req = s_->parser->get();
  const auto path = std::string_view(req.target()).substr(0, std::string_view(req.target()).find('?'));
  if (path != "/v1/ws") return refuse(404, "not_found", "WebSocket endpoint is /v1/ws"), true;
  // RFC 6455 §4.2.1-2: version 13 only (426 names it), and a key of 16 bytes in base64.
  if (req[http::field::sec_websocket_version] != "13") {
    auto a = json_error(426, "unsupported_version", "this server speaks WebSocket version 13");
    a.headers.emplace_back("Sec-WebSocket-Version", "13");
    write_answer(std::move(a), false, req.version());
    return true;
  }
  const auto key = std::string_view(req[http::field::sec_websocket_key]);
  if (!ws::valid_client_key(key)) return refuse(400, "bad_handshake", "Sec-WebSocket-Key is not 16 bytes in base64"), true;
  const auto origin = std::string_view(req[http::field::origin]);
  if (!ws_->allowed_origins.empty() && !origin.empty() &&
      std::find(ws_->allowed_origins.begin(), ws_->allowed_origins.end(), origin) == ws_->allowed_origins.end()) {
    return refuse(403, "origin_not_allowed", "this origin may not connect"), true;
  }
  const auto format = choose_subprotocol(std::string_view(req[http::field::sec_websocket_protocol]));
  const std::string token = token_of(req);
  const std::string cookie(req[http::field::cookie]);
  if (token.empty() && (cookie.empty() || !ws_->find_session)) {
    return refuse(401, "unauthorized", "a token or a sign-in session is required"), true;
  }
  const auto no_subprotocol = [this] {
    refuse(400, "unsupported_subprotocol", "offer Sec-WebSocket-Protocol switchboard.v1.json or switchboard.v1.proto");
    return true;
  };
  if (!token.empty()) {
    const auto verified = verify_jwt(token, ws_->auth, ws_->clk->unix_ms() / 1000);
    if (!verified.ok) return refuse(401, "unauthorized", to_string(verified.error)), true;
    const auto r = role_from_name(verified.claims.role);
    if (!r) return refuse(403, "forbidden", "unknown role"), true;
    if (!format) return no_subprotocol();
    finish_upgrade(principal{*r, verified.claims.sub, verified.claims.teams, verified.claims.exp + ws_->auth.leeway_seconds, {}, {}},
                   *format);
    return true;
  }
  if (!format) return no_subprotocol();
  if (!same_site_page(origin, std::string_view(req[http::field::host]), ws_->allowed_origins)) {
    return refuse(403, "origin_not_allowed", "a sign-in session may only connect from this server's pages"), true;
  }
  // A sign-in session: looked up in Redis; the upgrade goes on, on this strand, once it is known.
  ws_->find_session(cookie, [self = shared_from_this(), f = *format](std::optional<principal> who) {
    asio::post(self->s_->stream.get_executor(), [self, f, who = std::move(who)]() mutable {
      if (!who) return self->refuse(401, "unauthorized", "not signed in (or the session ended)");
      self->finish_upgrade(std::move(*who), f);
    });
  });
  return true;
}

void http_session::finish_upgrade(principal who, wire_format format) {
  const auto& req = s_->parser->get();
  // Too many connections: a place frees when one closes; a client retrying sooner only adds load.
  auto refuse_busy = [this, &req](const std::string& message) {
    auto a = json_error(static_cast<int>(http::status::too_many_requests), "too_many_connections", message);
    a.headers.emplace_back("Retry-After", std::to_string(kConnectionRetryAfter.count()));
    write_answer(std::move(a), false, req.version());
  };
  // A place under the caps of connections in all, per client address and per user (429).
  switch (ws_->reserve_connection(who.subject, s_->peer_address)) {
    case ws_context::admission::admitted:
      break;
    case ws_context::admission::server_full:
      return refuse_busy("this server has " + std::to_string(ws_->max_connections) + " connections already");
    case ws_context::admission::address_full:
      return refuse_busy("this client address has " + std::to_string(ws_->max_connections_per_address) +
                         " connections already");
    case ws_context::admission::user_full:
      return refuse_busy("this user has " + std::to_string(ws_->max_connections_per_user) + " connections already");
  }
  const std::string subject = who.subject;
  ws_handshake hs{std::string(req[http::field::sec_websocket_key]), beast::buffers_to_string(s_->buffer.data())};
  auto session =
      std::make_shared<ws_session>(s_->stream.release_socket(), ws_, std::move(who), format, wants_board_changes(req));
  ws_->hold_connection(session.get(), subject, s_->peer_address);  // its destructor releases it
  session->run(std::move(hs));
}

void http_session::do_close() {
  beast::error_code ignored;
  s_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace switchboard::gateway
