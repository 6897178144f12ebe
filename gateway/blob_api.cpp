#include "gateway/blob_api.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "gateway/http_json.hpp"
#include "media/blob_url.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;

namespace {

std::string list(const std::vector<std::string>& types) {
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : ", ") + t;
  return out;
}

}  // namespace

blob_api::blob_api(const v1::MediaConfig& cfg, media::blob_store& blobs)
    : blobs_(blobs), secret_(cfg.url_secret()), max_bytes_(cfg.max_bytes()), allowed_(media::allowed_types(cfg)) {}

bool blob_api::serves(std::string_view path) { return path == "/v1/blobs" || path.starts_with(media::kBlobPath); }

asio::awaitable<http_answer> blob_api::upload(jwt_claims, std::string query, std::string content_type, std::string body) const {
  if (body.empty()) co_return json_error(400, "bad_request", "an empty file (the body is the file)");
  if (static_cast<std::int64_t>(body.size()) > max_bytes_) {
    co_return json_error(413, "payload_too_large", "a file may be at most " + media::size_in_words(max_bytes_) + " (media.max_bytes)");
  }
  media::blob_ref b;
  b.content_type = media::normalise_type(content_type);
  if (b.content_type.empty()) b.content_type = "application/octet-stream";
  if (!media::type_allowed(allowed_, b.content_type)) {
    co_return json_error(415, "unsupported_media_type", "files of type " + b.content_type + " are not taken; these are: " + list(allowed_));
  }
  b.file_name = media::clean_file_name(param(query, "name"));
  if (b.file_name.empty()) co_return bad_param("name", "the file's name is required");
  const auto size = static_cast<std::int64_t>(body.size());
  auto sha = co_await blobs_.put(std::move(body));
  if (!sha) co_return json_error(503, "retry", "the file could not be kept; send it again");
  b.sha256 = *sha;
  http_answer a = json_ok(proto_json(media::attachment_of(secret_, b, size)));
  a.status = 201;
  co_return a;
}

asio::awaitable<http_answer> blob_api::download(std::string target) const {
  const auto b = media::read_blob_url(secret_, target);
  if (!b) co_return json_error(404, "not_found", "no such file (the URL is not one this server signed)");
  auto bytes = co_await blobs_.get(b->sha256);
  if (!bytes && bytes.error() == errc::not_found) co_return json_error(404, "not_found", "no such file");
  if (!bytes) co_return json_error(503, "retry", "the file cannot be read now; try again");
  http_answer a;
  a.body = std::move(*bytes);
  a.headers.emplace_back("X-Content-Type-Options", "nosniff");
  a.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; media-src 'self'");
  a.headers.emplace_back("Cache-Control", "private, max-age=31536000, immutable");  // the same URL is always the same bytes
  a.headers.emplace_back("Cross-Origin-Resource-Policy", "cross-origin");           // the widget shows it on the customer's site
  // Its own type (signed, and one media.allowed_types took): a provider fetching an agent's PDF
  // needs to see application/pdf. A browser shows only images, audio and video in the page.
  const std::string name = boost::urls::encode(b->file_name, boost::urls::unreserved_chars);
  a.content_type = b->content_type;
  const std::string disposition = media::shown_inline(b->content_type) ? "inline" : "attachment";
  a.headers.emplace_back("Content-Disposition", disposition + "; filename*=UTF-8''" + name);
  co_return a;
}

}  // namespace switchboard::gateway
