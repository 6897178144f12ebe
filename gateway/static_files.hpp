#pragma once
// The web pages (web/dist, built by `npm run build`): read once at start into memory, served with
// the headers a browser and a CDN need. Names under /assets/ carry a content hash: cached for a
// year, immutable. Pages (HTML) are revalidated on every load (no-cache, ETag → 304), and
// /widget.js, whose name other sites embed, is cached for five minutes. A precompressed `X.gz`
// beside a file is sent to clients that accept gzip. Pages carry a Content-Security-Policy that
// allows only this origin (and its WebSocket). No Beast here.
//
// Thread-safe: immutable after construction.

#include <map>
#include <optional>
#include <string>

#include "gateway/http_routes.hpp"

namespace switchboard::gateway {

class static_files {
 public:
  // Reads every file under `root`. A missing folder serves nothing (`loaded()` is false).
  explicit static_files(const std::string& root);

  bool loaded() const noexcept { return !files_.empty(); }
  std::size_t size() const noexcept { return files_.size(); }
  // The answer for a GET or HEAD of `req.target`'s path, or nothing if no file has that path.
  // "/" and "/desk/" serve the folder's index.html; "/desk" redirects to "/desk/".
  std::optional<http_answer> answer(const http_request& req) const;

 private:
  struct file {
    std::string body, gzip;  // gzip: empty when there is no .gz beside it
    std::string content_type, etag, cache_control;
    bool html = false;
  };
  std::map<std::string, file, std::less<>> files_;  // by URL path ("/assets/desk-3f2a.js")
};

// The Content-Type of a file name, by its extension.
std::string content_type_of(std::string_view name);

}  // namespace switchboard::gateway
