#include "core/templates.hpp"

#include <charconv>
#include <set>

namespace switchboard {

namespace {

// Walks `body`, handing each piece of text and each placeholder's number to `on`; false when a
// placeholder is malformed.
template <class On>
bool walk(std::string_view body, On&& on) {
  while (!body.empty()) {
    const auto open = body.find("{{");
    if (open == std::string_view::npos) {
      on(body, 0);
      return true;
    }
    on(body.substr(0, open), 0);
    const auto close = body.find("}}", open + 2);
    if (close == std::string_view::npos) return false;
    const std::string_view digits = body.substr(open + 2, close - open - 2);
    int n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || n < 1 || n > 100) return false;
    on(std::string_view(), n);
    body.remove_prefix(close + 2);
  }
  return true;
}

}  // namespace

int template_placeholders(std::string_view body) {
  std::set<int> used;
  if (!walk(body, [&](std::string_view, int n) {
        if (n) used.insert(n);
      })) {
    return -1;
  }
  if (used.empty()) return 0;
  return *used.rbegin() == static_cast<int>(used.size()) ? static_cast<int>(used.size()) : -1;
}

std::optional<std::string> render_template(std::string_view body, const std::vector<std::string>& variables) {
  if (template_placeholders(body) != static_cast<int>(variables.size())) return std::nullopt;
  std::string out;
  walk(body, [&](std::string_view text, int n) { out += n ? std::string_view(variables[n - 1]) : text; });
  return out;
}

}  // namespace switchboard
