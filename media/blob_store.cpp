#include "media/blob_store.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "media/blob_url.hpp"

namespace switchboard::media {

namespace fs = std::filesystem;

namespace {

// Writes `bytes` to `path` and syncs it; false (errno set) on failure.
bool write_synced(const std::string& path, const std::string& bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  const bool ok = ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}

}  // namespace

folder_blob_store::folder_blob_store(std::string folder) : folder_(std::move(folder)) {
  std::error_code ec;
  fs::create_directories(fs::path(folder_) / "tmp", ec);
  if (ec) throw std::runtime_error("media.folder '" + folder_ + "': " + ec.message());
}

std::string folder_blob_store::path_of(const std::string& sha256) const {
  return (fs::path(folder_) / sha256.substr(0, 2) / sha256).string();
}

result<std::string> folder_blob_store::put_now(const std::string& bytes) {
  std::string sha = sha256_hex(bytes);
  const std::string final_path = path_of(sha);
  std::error_code ec;
  if (fs::exists(final_path, ec)) return sha;  // the same bytes, kept already
  fs::create_directories(fs::path(final_path).parent_path(), ec);
  const std::string tmp = (fs::path(folder_) / "tmp" / random_hex(12)).string();
  if (ec || !write_synced(tmp, bytes, 0640)) {
    fs::remove(tmp, ec);
    return make_error_code(errc::server_error);
  }
  fs::rename(tmp, final_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return make_error_code(errc::server_error);
  }
  return sha;
}

result<std::string> folder_blob_store::get_now(const std::string& sha256) const {
  if (sha256.size() != 64 || sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return make_error_code(errc::not_found);
  }
  std::ifstream in(path_of(sha256), std::ios::binary);
  if (!in) return make_error_code(errc::not_found);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return make_error_code(errc::server_error);
  return std::move(out).str();
}

folder_blob_store::~folder_blob_store() { disk_.join(); }

// Over to the disk thread, the work, and back to the caller's executor.
template <class Work>
boost::asio::awaitable<result<std::string>> folder_blob_store::on_disk(Work work) {
  auto back = co_await boost::asio::this_coro::executor;
  co_await boost::asio::post(disk_, boost::asio::use_awaitable);
  auto r = work();
  co_await boost::asio::post(back, boost::asio::use_awaitable);
  co_return r;
}

boost::asio::awaitable<result<std::string>> folder_blob_store::put(std::string bytes) {
  co_return co_await on_disk([&] { return put_now(bytes); });
}

boost::asio::awaitable<result<std::string>> folder_blob_store::get(std::string sha256) {
  co_return co_await on_disk([&] { return get_now(sha256); });
}

std::string url_secret(const std::string& folder, const std::string& configured) {
  if (!configured.empty()) return configured;
  const std::string path = (fs::path(folder) / ".url-secret").string();
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::ifstream in(path);
    std::string secret;
    if (in >> secret && secret.size() >= 32) return secret;
    const std::string tmp = path + "." + random_hex(6);
    if (write_synced(tmp, random_hex(32), 0600)) {
      // link() fails if another process made one first: then theirs is read.
      ::link(tmp.c_str(), path.c_str());
    }
    ::unlink(tmp.c_str());
  }
  throw std::runtime_error("media.folder '" + folder + "': cannot keep .url-secret there (" + std::strerror(errno) + ")");
}

}  // namespace switchboard::media
