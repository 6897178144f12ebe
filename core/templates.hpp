#pragma once
// WhatsApp message templates' bodies: text with {{1}}, {{2}}, ... where the variables go (as
// WhatsApp Manager writes them). Used by the config's checks and by the desk's template replies.
// Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard {

// How many variables `body` takes: n when its placeholders are exactly {{1}}..{{n}} (each at least
// once, in any order); 0 with none; -1 when one is malformed ("{{0}}", "{{x}}", "{{1") or a number
// is skipped.
int template_placeholders(std::string_view body);

// `body` with each {{n}} replaced by variables[n - 1]; nullopt unless there are exactly as many
// variables as placeholders.
std::optional<std::string> render_template(std::string_view body, const std::vector<std::string>& variables);

}  // namespace switchboard
