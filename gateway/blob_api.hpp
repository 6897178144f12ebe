#pragma once
// Files over HTTP (docs/PROTOCOL.md, "Files"; the blob store is media/blob_store.hpp):
//   POST /v1/blobs?name=<file name>  staff: the body is the file, Content-Type its type. 201 with
//        the attachment to send in a message: {"url", "contentType", "fileName", "sizeBytes",
//        "sha256"}; 413 over media.max_bytes, 415 a type not in media.allowed_types.
//   GET  /v1/blobs/<sha256>?type=&name=&size=&sig=  anyone holding the signed URL (the desk, the
//        widget, a provider fetching an agent's file): the bytes, with their type. Images, audio
//        and video are shown in the page; anything else is a download. Always nosniff and a sandboxing CSP,
//        so a file never runs as a page of this origin.
// No Beast here. Thread-safe as its blob store.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/auth/jwt.hpp"
#include "gateway/http_routes.hpp"
#include "media/blob_store.hpp"
#include "proto/config.pb.h"

namespace switchboard::gateway {

class blob_api {
 public:
  blob_api(const v1::MediaConfig& cfg, media::blob_store& blobs);

  static bool serves(std::string_view path);
  // POST /v1/blobs (rest_api has authenticated the staff member).
  boost::asio::awaitable<http_answer> upload(jwt_claims who, std::string query, std::string content_type, std::string body) const;
  // GET /v1/blobs/... (no authentication: the signature is the permission).
  boost::asio::awaitable<http_answer> download(std::string target) const;

 private:
  media::blob_store& blobs_;
  std::string secret_;
  std::int64_t max_bytes_;
  std::vector<std::string> allowed_;
};

}  // namespace switchboard::gateway
