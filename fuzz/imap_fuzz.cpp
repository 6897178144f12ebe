// Fuzz target: what an IMAP server sends, fed to our reader (channels/email/imap.hpp) and the
// parsers of its responses. The first byte says where the input is cut in two and the limits; the
// rest is the server's bytes. Invariants: the responses are the same whether the bytes come whole
// or cut (the reader never depends on how TCP splits them); no literal is over its limit and no
// response has more literals than allowed; a response's text is one line (no CR or LF); every
// FETCH parsed names only literals that exist; the parsers never crash on any response.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "channels/email/imap.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace switchboard::channels::email;

struct outcome {
  std::vector<imap_response> responses;
  std::string error;
};

outcome read_all(std::string_view bytes, std::size_t cut, const imap_limits& limits) {
  imap_reader r(limits);
  outcome out;
  for (std::string_view part : {bytes.substr(0, cut), bytes.substr(cut)}) {
    r.feed(part);
    for (int n = 0; n < 100000; ++n) {
      auto next = r.next();
      if (!next) break;
      out.responses.push_back(std::move(*next));
    }
  }
  out.error = r.error();
  return out;
}

bool same(const imap_response& a, const imap_response& b) {
  return a.tag == b.tag && a.status == b.status && a.text == b.text && a.literals == b.literals;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  imap_limits limits;
  if (mode & 1) {
    limits.max_line = 64;
    limits.max_literal = 32;
    limits.max_literals = 2;
  }
  const outcome whole = read_all(bytes, bytes.size(), limits);
  const outcome cut = read_all(bytes, bytes.empty() ? 0 : (mode >> 1) % (bytes.size() + 1), limits);
  SB_FUZZ_CHECK(whole.error == cut.error);
  SB_FUZZ_CHECK(whole.responses.size() == cut.responses.size());
  for (std::size_t i = 0; i < whole.responses.size(); ++i) {
    const auto& r = whole.responses[i];
    SB_FUZZ_CHECK(same(r, cut.responses[i]));
    SB_FUZZ_CHECK(r.literals.size() <= limits.max_literals);
    for (const auto& l : r.literals) SB_FUZZ_CHECK(l.size() <= limits.max_literal);
    SB_FUZZ_CHECK(r.text.find('\n') == std::string::npos);
    (void)imap_capabilities(r);
    (void)imap_exists(r);
    (void)imap_code_number(r.text, "UIDVALIDITY");
    if (auto f = imap_fetch(r)) {
      if (f->body) {
        bool known = false;
        for (const auto& l : r.literals) known = known || l == *f->body;
        SB_FUZZ_CHECK(known || r.text.find('"') != std::string::npos);
      }
    }
  }
  if (auto q = imap_quoted(bytes)) SB_FUZZ_CHECK(q->size() >= 2 && q->front() == '"' && q->back() == '"');
  return 0;
}
