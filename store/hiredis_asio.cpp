#include "store/hiredis_asio.hpp"

#include <hiredis/async.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <memory>

namespace switchboard::store {
namespace {

namespace asio = boost::asio;

class watcher : public std::enable_shared_from_this<watcher> {
 public:
  watcher(redisAsyncContext* ctx, const asio::any_io_executor& ex) : ctx_(ctx), socket_(ex, ctx->c.fd) {}

  void want_read(bool on) {
    reading_ = on;
    if (on && !read_waiting_) wait_read();
  }
  // A connected socket is almost always writable: rather than a reactor round trip per command,
  // try the write on the next turn of the loop (coalescing every command queued until then), and
  // fall back to waiting for writability only after a partial write. The first write wait is
  // hiredis's connect check, which must really wait.
  void want_write(bool on) {
    writing_ = on;
    if (!on || write_waiting_) return;
    if (fast_write_) {
      write_waiting_ = true;
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->on_writable({}); });
    } else {
      wait_write();
    }
  }
  // hiredis is about to free the context (possibly from inside redisAsyncHandleRead below).
  void detach() noexcept {
    ctx_ = nullptr;
    reading_ = writing_ = false;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    socket_.release();  // hiredis closes its own fd
  }

 private:
  void wait_read() {
    read_waiting_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) { self->on_readable(ec); });
  }
  void wait_write() {
    write_waiting_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                       [self = shared_from_this()](boost::system::error_code ec) { self->on_writable(ec); });
  }
  void on_readable(boost::system::error_code ec) {
    read_waiting_ = false;
    if (ec || ctx_ == nullptr || !reading_) return;
    redisAsyncHandleRead(ctx_);  // may detach() us from inside
    if (ctx_ != nullptr && reading_ && !read_waiting_) wait_read();
  }
  void on_writable(boost::system::error_code ec) {
    write_waiting_ = false;
    if (ec || ctx_ == nullptr || !writing_) return;
    redisAsyncHandleWrite(ctx_);  // may detach() us from inside
    if (ctx_ == nullptr) return;
    fast_write_ = !writing_;  // all written: next time try at once; partial: wait for room
    if (writing_ && !write_waiting_) wait_write();
  }

  redisAsyncContext* ctx_;
  asio::posix::stream_descriptor socket_;
  bool reading_ = false, writing_ = false;
  bool read_waiting_ = false, write_waiting_ = false;
  bool fast_write_ = false;
};

// hiredis keeps a raw pointer; it points at a heap shared_ptr so that waits in flight keep the
// watcher alive after cleanup.
using handle = std::shared_ptr<watcher>;

watcher& of(void* p) { return **static_cast<handle*>(p); }

void add_read(void* p) noexcept {
  try { of(p).want_read(true); } catch (...) {}
}
void del_read(void* p) noexcept { of(p).want_read(false); }
void add_write(void* p) noexcept {
  try { of(p).want_write(true); } catch (...) {}
}
void del_write(void* p) noexcept { of(p).want_write(false); }
void cleanup(void* p) noexcept {
  auto* h = static_cast<handle*>(p);
  (*h)->detach();
  delete h;
}

}  // namespace

bool attach_to_asio(redisAsyncContext* ctx, const asio::any_io_executor& ex) noexcept {
  if (ctx->ev.data != nullptr) return false;
  try {
    auto* h = new handle(std::make_shared<watcher>(ctx, ex));
    ctx->ev.data = h;
    ctx->ev.addRead = add_read;
    ctx->ev.delRead = del_read;
    ctx->ev.addWrite = add_write;
    ctx->ev.delWrite = del_write;
    ctx->ev.cleanup = cleanup;
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace switchboard::store
