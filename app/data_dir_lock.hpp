#pragma once
// The embedded redis-server's data folder, held by one `serve` process at a time: an exclusive
// flock on `<dir>/switchboard.lock` (holding the holder's pid) for the process's life. Two servers
// writing one AOF would corrupt it; the second process gets one clear line instead. The kernel
// drops the lock when the process ends, however it ends. Start-up code: may throw; not thread-safe.

#include <stdexcept>
#include <string>

namespace switchboard::app {

// Creates the folder `dir` (and its parents) if missing. Throws std::runtime_error starting with
// `named` when it cannot, or when `dir` is something other than a folder.
void create_folder(const std::string& dir, const std::string& named);

// The folder is held by another process (a running `serve`).
class data_dir_in_use : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class data_dir_lock {
 public:
  // Creates `dir` if missing and takes its lock. `named` says where the folder came from in
  // messages ("--data-dir 'x'"). Throws std::runtime_error when the folder cannot be created or
  // written, and data_dir_in_use when another process holds it.
  data_dir_lock(const std::string& dir, const std::string& named);
  ~data_dir_lock();
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace switchboard::app
