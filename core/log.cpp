#include "core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>

namespace switchboard {
namespace {

thread_local const log_ids* current_ids = nullptr;

// `text` escaped for a JSON string.
void append_json_escaped(std::string_view text, spdlog::memory_buf_t& dest) {
  static constexpr char hex[] = "0123456789abcdef";
  for (char c : text) {
    switch (c) {
      case '"':
        dest.append(std::string_view("\\\""));
        break;
      case '\\':
        dest.append(std::string_view("\\\\"));
        break;
      case '\n':
        dest.append(std::string_view("\\n"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', hex[(c >> 4) & 0xf], hex[c & 0xf]};
          dest.append(esc, esc + sizeof esc);
        } else {
          dest.push_back(c);
        }
    }
  }
}

// %j: the message, escaped for a JSON string.
class json_message_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_json_escaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_message_flag>(); }
};

// %J: the line's ids as JSON fields (,"request_id":"...") and %K as text ( request=...).
class ids_flag final : public spdlog::custom_flag_formatter {
 public:
  explicit ids_flag(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    if (!current_ids) return;
    field(json_ ? "request_id" : "request", current_ids->request, dest);
    field(json_ ? "conversation_id" : "conversation", current_ids->conversation, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ids_flag>(json_); }

 private:
  void field(std::string_view name, std::string_view value, spdlog::memory_buf_t& dest) const {
    if (value.empty()) return;
    if (json_) {
      dest.append(std::string_view(",\""));
      dest.append(name);
      dest.append(std::string_view("\":\""));
      append_json_escaped(value, dest);
      dest.push_back('"');
    } else {
      dest.push_back(' ');
      dest.append(name);
      dest.push_back('=');
      dest.append(value);
    }
  }
  bool json_;
};

}  // namespace

void setup_logging(const v1::LogConfig& cfg) {
  auto logger = spdlog::get("switchboard");
  if (!logger) logger = spdlog::stderr_logger_mt("switchboard");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (cfg.format() == "json") {
    formatter->add_flag<json_message_flag>('j').add_flag<ids_flag>('J', true).set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t%J,"msg":"%j"})");
  } else {
    formatter->add_flag<ids_flag>('K', false).set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v%K");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(cfg.level()));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

namespace detail {

log_ids_scope::log_ids_scope(const log_ids& ids) noexcept : before_(current_ids) { current_ids = &ids; }
log_ids_scope::~log_ids_scope() { current_ids = before_; }

}  // namespace detail

std::string new_request_id() {
  thread_local std::uint64_t next = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(next++));
  return out;
}

std::string request_id_of(std::string_view given) {
  const bool usable = !given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':' || c == '@';
  });
  return usable ? std::string(given) : new_request_id();
}

}  // namespace switchboard
