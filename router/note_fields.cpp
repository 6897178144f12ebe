#include "router/note_fields.hpp"

#include <algorithm>

namespace switchboard::router {

std::string field(const store::reply& fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return {};
}

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return v;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<skill_need> parse_skills(const std::string& s) {
  std::vector<skill_need> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    const auto part = s.substr(start, end - start);
    const auto colon = part.find(':');
    if (colon != std::string::npos && colon > 0) {
      out.push_back({part.substr(0, colon), std::clamp(static_cast<int>(to_int(part.substr(colon + 1))), 1, 5)});
    }
    start = end + 1;
  }
  return out;
}

}  // namespace switchboard::router
