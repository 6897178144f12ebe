#pragma once
// Logging setup: spdlog, one line per event, text for people or JSON for collectors. Call sites use
// spdlog directly; a line about a request or a conversation goes through log_with (or log_info,
// log_warn, log_error), which puts those ids on the line as fields of their own: "request_id" and
// "conversation_id" in JSON, " request=... conversation=..." after the message in text.

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>
#include <utility>

#include "proto/config.pb.h"

namespace switchboard {

// Configures the default logger (stderr). Call once at start-up, before other threads log.
void setup_logging(const v1::LogConfig& cfg);

// What a line is about. Empty ones are left out.
struct log_ids {
  std::string_view request = {};       // an HTTP request's X-Request-Id (the client's, or one made here)
  std::string_view conversation = {};  // a conversation id
};

namespace detail {
// Makes `ids` the current line's while it lives (a thread-local; the logger formats on the caller's
// thread, synchronously).
class log_ids_scope {
 public:
  explicit log_ids_scope(const log_ids& ids) noexcept;
  ~log_ids_scope();
  log_ids_scope(const log_ids_scope&) = delete;
  log_ids_scope& operator=(const log_ids_scope&) = delete;

 private:
  const log_ids* before_;
};
}  // namespace detail

template <class... Args>
void log_with(spdlog::level::level_enum level, const log_ids& ids, spdlog::format_string_t<Args...> fmt,
              Args&&... args) {
  if (!spdlog::should_log(level)) return;
  detail::log_ids_scope scope(ids);
  spdlog::log(level, fmt, std::forward<Args>(args)...);
}
template <class... Args>
void log_info(const log_ids& ids, spdlog::format_string_t<Args...> fmt, Args&&... args) {
  log_with(spdlog::level::info, ids, fmt, std::forward<Args>(args)...);
}
template <class... Args>
void log_warn(const log_ids& ids, spdlog::format_string_t<Args...> fmt, Args&&... args) {
  log_with(spdlog::level::warn, ids, fmt, std::forward<Args>(args)...);
}
template <class... Args>
void log_error(const log_ids& ids, spdlog::format_string_t<Args...> fmt, Args&&... args) {
  log_with(spdlog::level::err, ids, fmt, std::forward<Args>(args)...);
}

// A request id for a request that came without a usable X-Request-Id: 16 hex digits, random per
// thread and process, then counted ("3f9a1c07e2b4d815").
std::string new_request_id();
// `given` (an X-Request-Id header) when it is 1-128 letters, digits or "-_.:@", else a new one:
// anything else could forge fields or lines in the logs.
std::string request_id_of(std::string_view given);

}  // namespace switchboard
