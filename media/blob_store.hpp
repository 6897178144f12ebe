#pragma once
// Where attachments live (ARCHITECTURE §4.7): never inside Redis. A blob is named by the SHA-256
// of its bytes, so storing the same file twice keeps one copy and a name always means the same
// bytes. The interface is what an S3-compatible store would implement; folder_blob_store is the
// default: one file per blob under media.folder, written to a temporary file, synced, then
// renamed into place (a reader never sees half a file). Its coroutines do the disk work on a
// thread of their own and come back to the caller's executor: a 20 MiB write never holds up the
// chat. Thread-safe.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>

#include "core/error.hpp"

namespace switchboard::media {

class blob_store {
 public:
  virtual ~blob_store() = default;
  // Keeps `bytes`; their SHA-256 (hex).
  virtual boost::asio::awaitable<result<std::string>> put(std::string bytes) = 0;
  // The bytes named `sha256`; errc::not_found if none.
  virtual boost::asio::awaitable<result<std::string>> get(std::string sha256) = 0;
};

class folder_blob_store final : public blob_store {
 public:
  // Creates the folder if missing (throws std::runtime_error naming it if it cannot).
  explicit folder_blob_store(std::string folder);
  ~folder_blob_store() override;
  boost::asio::awaitable<result<std::string>> put(std::string bytes) override;
  boost::asio::awaitable<result<std::string>> get(std::string sha256) override;
  // The same, for a caller that is not a coroutine.
  result<std::string> put_now(const std::string& bytes);
  result<std::string> get_now(const std::string& sha256) const;

 private:
  std::string path_of(const std::string& sha256) const;
  template <class Work>
  boost::asio::awaitable<result<std::string>> on_disk(Work work);
  std::string folder_;
  boost::asio::thread_pool disk_{1};
};

// The key blob URLs are signed with: `configured` if set, else the folder's `.url-secret` (made
// once, 32 random bytes, readable by its owner only), which every process sharing it reads.
std::string url_secret(const std::string& folder, const std::string& configured);

}  // namespace switchboard::media
