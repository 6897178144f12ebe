#include "channels/media_fetch.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include "channels/json_view.hpp"
#include "channels/signature.hpp"

namespace switchboard::channels {

namespace json = boost::json;
using namespace json_view;

namespace {

constexpr std::string_view kWhatsApp = "whatsapp-media:";
constexpr std::string_view kTelegram = "telegram-file:";

// "https://host:port" of an absolute URL; "" if it is not one.
std::string origin(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->host().empty()) return {};
  std::string port = u->has_port() ? std::string(u->port()) : std::string(u->scheme() == "https" ? "443" : "80");
  return std::string(u->scheme()) + "://" + std::string(u->encoded_host()) + ":" + port;
}

std::string encode(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

// A URL a provider named may be fetched: https, or the scheme of the account's own API (a fake).
bool fetchable(const v1::ChannelAccount& account, const std::string& url) {
  if (url.starts_with("https://")) return !origin(url).empty();
  return url.starts_with("http://") && !origin(url).empty() && api_base(account).starts_with("http://");
}

outgoing_call get(std::string url) {
  outgoing_call c;
  c.method = "GET";
  c.url = std::move(url);
  return c;
}

}  // namespace

media_step media_first(const v1::ChannelAccount& account, const std::string& url, std::string& error) {
  media_step s;
  const std::string base = api_base(account);
  if (url.starts_with(kWhatsApp)) {
    const std::string id = url.substr(kWhatsApp.size());
    if (id.empty() || account.access_token().empty()) {
      error = id.empty() ? "no media id" : "the account has no access_token";
      return s;
    }
    s.call = get(base + "/" + encode(id));
    s.call.headers.emplace_back("Authorization", "Bearer " + account.access_token());
    s.metadata = true;
    return s;
  }
  if (url.starts_with(kTelegram)) {
    const std::string id = url.substr(kTelegram.size());
    if (id.empty() || account.bot_token().empty()) {
      error = id.empty() ? "no file_id" : "the account has no bot_token";
      return s;
    }
    s.call = get(base + "/bot" + account.bot_token() + "/getFile?file_id=" + encode(id));
    s.metadata = true;
    return s;
  }
  if (!fetchable(account, url)) {
    error = "not a URL that is fetched (https only): " + url.substr(0, 200);
    return s;
  }
  s.call = get(url);
  if (account.provider() == "whatsapp") {
    s.call.headers.emplace_back("Authorization", "Bearer " + account.access_token());  // WhatsApp's media URLs take it
  } else if (account.provider() == "twilio" && !account.auth_token().empty()) {
    const std::string o = origin(url);
    if (o == origin(base) || o.ends_with(".twilio.com:443")) {
      s.call.headers.emplace_back("Authorization", "Basic " + base64(account.account_sid() + ":" + account.auth_token()));
    }
  }
  return s;
}

media_step media_download(const v1::ChannelAccount& account, const std::string& answer, media_meta& meta, std::string& error) {
  media_step s;
  boost::system::error_code ec;
  const json::value v = json::parse(answer, ec);
  if (ec) {
    error = "the provider's answer about the file is not JSON";
    return s;
  }
  if (account.provider() == "telegram") {
    const auto& r = at(v, "result");
    const std::string path = text(r, "file_path");
    if (path.empty() || path.find("..") != std::string::npos) {
      error = "getFile named no file_path (" + (has(v, "description") ? text(v, "description") : std::string("none")) + ")";
      return s;
    }
    if (has(r, "file_size")) meta.size = integer(r, "file_size");
    s.call = get(api_base(account) + "/file/bot" + account.bot_token() + "/" + path);
    return s;
  }
  const std::string url = text(v, "url");
  if (!fetchable(account, url)) {
    error = url.empty() ? "the provider named no url for the media" : "the media's url is not https";
    return s;
  }
  meta.content_type = text(v, "mime_type");
  if (has(v, "file_size")) meta.size = integer(v, "file_size");
  s.call = get(url);
  s.call.headers.emplace_back("Authorization", "Bearer " + account.access_token());
  return s;
}

outgoing_call follow_redirect(const outgoing_call& from, const std::string& location) {
  outgoing_call c;
  auto b = boost::urls::parse_absolute_uri(from.url);
  auto ref = boost::urls::parse_uri_reference(location);
  if (!b || !ref || location.empty()) return c;
  boost::urls::url resolved;
  if (!boost::urls::resolve(*b, *ref, resolved)) return c;
  const std::string to(resolved.buffer());
  if (!to.starts_with("https://") && !(to.starts_with("http://") && from.url.starts_with("http://"))) return c;
  c = get(to);
  if (origin(to) == origin(from.url)) c.headers = from.headers;
  return c;
}

}  // namespace switchboard::channels
