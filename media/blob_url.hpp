#pragma once
// Blob URLs and what media is taken (docs/CHANNELS.md, "Media"). A stored file is named by the
// SHA-256 of its bytes; events refer to it by a signed, relative URL
//   /v1/blobs/<sha256>?type=<MIME type>&name=<file name>&size=<bytes>&sig=<HMAC>
// which anyone holding it may fetch (a capability: the providers fetch agents' files from it,
// the widget shows them), and which nobody can forge for another file, type or name. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/config.pb.h"
#include "proto/model.pb.h"

namespace switchboard::media {

struct blob_ref {
  std::string sha256;        // hex, lower case
  std::string content_type;  // normalised (lower case, no parameters)
  std::string file_name;
  std::int64_t size = 0;     // bytes
};

constexpr std::string_view kBlobPath = "/v1/blobs/";

std::string sha256_hex(std::string_view bytes);
// `bytes` random bytes (OpenSSL's) as lower-case hex; throws std::runtime_error when there are none.
std::string random_hex(std::size_t bytes);

// The signed URL of `b` (relative: the server's own path).
std::string blob_url(std::string_view secret, const blob_ref& b);
// The blob a request target names, if it is a URL signed with `secret`.
std::optional<blob_ref> read_blob_url(std::string_view secret, std::string_view target);
// The attachment an event keeps for a stored blob of `size` bytes.
v1::Attachment attachment_of(std::string_view secret, blob_ref b, std::int64_t size);

// Takes the attachments a client sent: each must be a blob URL of ours, as POST /v1/blobs
// answered it, and is rewritten from what its URL signs (type, name, size, hash: never the
// client's word). Why not, or nothing.
std::optional<std::string> take_attachments(std::string_view secret, google::protobuf::RepeatedPtrField<v1::Attachment>& attachments);

// "Image/PNG; charset=x" → "image/png"; "" for something that is not type/subtype.
std::string normalise_type(std::string_view raw);
// A file name safe to keep and show: no folders, no control characters, UTF-8, at most 200 bytes.
std::string clean_file_name(std::string_view raw);
// The types taken: media.allowed_types, or the default list when it is empty.
std::vector<std::string> allowed_types(const v1::MediaConfig& c);
bool type_allowed(const std::vector<std::string>& allowed, std::string_view type);
// Whether a browser may show it in the page (images, audio, video); anything else is a download.
bool shown_inline(std::string_view type);
// "20 MiB", "512 KiB", "900 bytes": a limit in words.
std::string size_in_words(std::int64_t bytes);

}  // namespace switchboard::media
