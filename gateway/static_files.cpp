#include "gateway/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/password.hpp"

namespace switchboard::gateway {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPagePolicy =
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string cache_control_of(std::string_view url, bool html) {
  if (url.starts_with("/assets/")) return "public, max-age=31536000, immutable";
  if (html) return "no-cache";
  if (url == "/widget.js") return "public, max-age=300";
  return "public, max-age=3600";
}

// Whether an If-None-Match header names `etag` (or is "*").
bool matches(std::string_view header, std::string_view etag) {
  if (header == "*") return true;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto tag = header.substr(0, comma);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// Whether the client takes gzip (a q=0 refusal counts as not).
bool accepts_gzip(std::string_view header) {
  const auto at = header.find("gzip");
  if (at == std::string_view::npos) return false;
  const auto rest = header.substr(at + 4, header.find(',', at) - at - 4);
  return rest.find("q=0") == std::string_view::npos || rest.find("q=0.") != std::string_view::npos;
}

}  // namespace

std::string content_type_of(std::string_view name) {
  const auto dot = name.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "mp3") return "audio/mpeg";
  if (ext == "wav") return "audio/wav";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

static_files::static_files(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const auto rel = fs::relative(it->path(), root, ec).generic_string();
    if (ec || rel.ends_with(".gz")) continue;
    file f;
    f.body = read_all(it->path());
    if (auto gz = it->path().string() + ".gz"; fs::exists(gz)) f.gzip = read_all(gz);
    f.content_type = content_type_of(rel);
    f.html = rel.ends_with(".html");
    f.etag = "\"" + sha256_hex(f.body).substr(0, 32) + "\"";
    const std::string url = "/" + rel;
    f.cache_control = cache_control_of(url, f.html);
    files_.emplace(url, std::move(f));
  }
}

std::optional<http_answer> static_files::answer(const http_request& req) const {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path.find("..") != std::string::npos) return std::nullopt;
  if (path.ends_with("/")) path += "index.html";
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (files_.count(path + "/index.html") == 0) return std::nullopt;
    http_answer moved;
    moved.status = 308;
    moved.headers.emplace_back("Location", path + "/");
    return moved;
  }
  const file& f = it->second;
  http_answer a;
  a.content_type = f.content_type;
  a.headers.emplace_back("Cache-Control", f.cache_control);
  a.headers.emplace_back("ETag", f.etag);
  a.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!f.gzip.empty()) a.headers.emplace_back("Vary", "Accept-Encoding");
  if (f.html) {
    a.headers.emplace_back("Content-Security-Policy", std::string(kPagePolicy));
    a.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  if (path == "/widget.js") a.headers.emplace_back("Access-Control-Allow-Origin", "*");
  if (matches(req.if_none_match, f.etag)) {
    a.status = 304;
    return a;
  }
  if (!f.gzip.empty() && accepts_gzip(req.accept_encoding)) {
    a.headers.emplace_back("Content-Encoding", "gzip");
    a.body = f.gzip;
  } else {
    a.body = f.body;
  }
  return a;
}

}  // namespace switchboard::gateway
