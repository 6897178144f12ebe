#include "channels/email/quotes.hpp"

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "channels/email/ascii.hpp"

namespace switchboard::channels::email {

namespace {

using lines = std::vector<std::string_view>;

constexpr std::size_t npos = std::string_view::npos;
constexpr std::size_t max_attribution = 400;  // bytes: a longer line is prose, not an attribution
constexpr std::size_t max_signature_lines = 20;

std::string_view trim(std::string_view s) {
  const auto blank_front = [&] {
    return s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || (s.size() > 1 && s[0] == '\xC2' && s[1] == '\xA0');
  };
  const auto blank_back = [&] {
    return s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || (s.size() > 1 && s[s.size() - 2] == '\xC2' && s.back() == '\xA0');
  };
  while (!s.empty() && blank_front()) s.remove_prefix(s.front() == '\xC2' ? 2 : 1);
  while (!s.empty() && blank_back()) s.remove_suffix(s.back() == '\xA0' ? 2 : 1);
  return s;
}

// Lower case for ASCII; the other scripts' words below are written in lower case already.
std::string lower(std::string_view s) { return ascii_lower(s); }

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return s.substr(0, p.size()) == p; });
}

bool ascii_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_quote(std::string_view l) {
  l = trim(l);
  return !l.empty() && l.front() == '>';
}

// Starts like an attribution: a date first, or the word that leads one in some language.
bool leads(const std::string& l) {
  return (!l.empty() && l.front() >= '0' && l.front() <= '9') ||
         starts_with_any(l, {"on ", "le ", "am ", "el ", "em ", "op ", "den ", "il ", "w dniu ", "dne ", "в ", "pada ",
                             "på ", "no dia ", "citando "});
}

// "On Mon, Apr 2, 2012 at 6:26 PM, Megan <m@x.com> wrote:" and its kin. The verb at the end
// needs a date or an address, and a quote below or a leading word; the verb inside ("Am … schrieb
// Bob:") needs both a leading word and a date.
bool attribution(std::string_view joined, bool quote_follows) {
  if (trim(joined).size() > max_attribution) return false;
  const std::string l = lower(trim(joined));
  if (l.empty()) return false;
  std::string_view body = l;
  if (body.back() == ':') body.remove_suffix(1);
  else if (body.size() >= 3 && body.substr(body.size() - 3) == "\xEF\xBC\x9A") body.remove_suffix(3);  // fullwidth ':'
  else return false;
  body = trim(body);
  bool at_end = false, inside = false;
  for (std::string_view w : {"wrote", "writes", "a écrit", "schrieb", "escribió", "escribio", "escreveu", "ha scritto",
                             "scrisse", "schreef", "skrev", "kirjoitti", "napisał", "napisala", "napsal", "написал",
                             "написала", "пишет", "yazdı", "írta", "έγραψε", "写道", "寫道", "のメッセージ", "님이 작성"}) {
    for (auto pos = body.find(w); pos != npos; pos = body.find(w, pos + 1)) {
      const auto after = pos + w.size();
      if (pos > 0 && ascii_alnum(body[pos - 1])) continue;
      if (after == body.size() || (after < body.size() && body[after] == '(')) at_end = true;  // "napisał(a):"
      else if (!ascii_alnum(body[after])) inside = true;
    }
  }
  const bool date = std::any_of(body.begin(), body.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (at_end) return (date || body.find('@') != npos) && (quote_follows || leads(l));
  return inside && leads(l) && date;
}

std::string label_text(std::string_view line) {
  std::string l = lower(trim(line).substr(0, 48));
  l.erase(std::remove(l.begin(), l.end(), '*'), l.end());  // Outlook's plain text bolds: "*From:* Bob"
  return l;
}

bool from_label(const std::string& l) {
  return starts_with_any(l, {"from:", "de:", "de :", "von:", "da:", "van:", "från:", "fra:", "od:", "от:", "mittente:",
                             "lähettäjä:", "kimden:", "feladó:", "发件人:", "发件人：", "差出人:"});
}

bool field_label(const std::string& l) {
  return starts_with_any(l, {"sent:", "date:", "to:", "cc:", "subject:", "envoyé :", "envoyé:", "date :", "à :", "objet :",
                             "cc :", "gesendet:", "datum:", "an:", "betreff:", "enviado:", "fecha:", "para:", "asunto:",
                             "inviato:", "data:", "a:", "oggetto:", "verzonden:", "aan:", "onderwerp:", "skickat:",
                             "till:", "ämne:", "отправлено:", "дата:", "кому:", "тема:", "wysłano:", "do:", "temat:",
                             "发送时间:", "收件人:", "主题:", "日付:", "宛先:", "件名:"});
}

// Outlook's reply header: "From:" and at least two more of its fields within the next lines. The
// number of lines it spans, or 0.
std::size_t header_block(const lines& ls, std::size_t i) {
  if (i >= ls.size() || !from_label(label_text(ls[i]))) return 0;
  std::size_t fields = 0, last = i;
  for (std::size_t j = i + 1; j < ls.size() && j <= i + 6; ++j) {
    if (field_label(label_text(ls[j]))) ++fields, last = j;
  }
  return fields >= 2 ? last - i + 1 : 0;
}

// "-----Original Message-----" in the languages Outlook speaks.
bool original_message(std::string_view line) {
  if (trim(line).size() > 80) return false;
  const std::string l = lower(trim(line));
  if (l.size() < 6 || l.size() > 80 || l.substr(0, 2) != "--" || l.substr(l.size() - 2) != "--") return false;
  const auto first = l.find_first_not_of('-');
  if (first == std::string::npos) return false;
  const auto inner = trim(std::string_view(l).substr(first, l.find_last_not_of('-') - first + 1));
  for (std::string_view x : {"original message", "ursprüngliche nachricht", "message d'origine", "mensaje original",
                             "messaggio originale", "oorspronkelijk bericht", "mensagem original", "opprinnelig melding",
                             "ursprungligt meddelande", "alkuperäinen viesti", "исходное сообщение",
                             "wiadomość oryginalna", "oprindelig meddelelse", "původní zpráva"}) {
    if (inner == x) return true;
  }
  return false;
}

bool forward_marker(std::string_view line) {
  if (trim(line).size() > 100) return false;
  const std::string l = lower(trim(line));
  for (std::string_view x : {"forwarded message", "begin forwarded message", "weitergeleitete nachricht",
                             "message transféré", "mensaje reenviado", "mensagem encaminhada", "messaggio inoltrato",
                             "doorgestuurd bericht", "пересылаемое сообщение", "original message follows"}) {
    if (l.find(x) != npos) return true;
  }
  return false;
}

std::size_t next_filled(const lines& ls, std::size_t i) {
  while (i < ls.size() && trim(ls[i]).empty()) ++i;
  return i;
}

// The number of lines (1 to 3) of an attribution starting at line i, or 0.
std::size_t attribution_at(const lines& ls, std::size_t i) {
  std::string joined;
  for (std::size_t k = 0; k < 3 && i + k < ls.size(); ++k) {
    if (trim(ls[i + k]).empty() || is_quote(ls[i + k])) return 0;
    if (k > 0 && !leads(lower(trim(ls[i]).substr(0, 16)))) return 0;  // a wrapped one starts like one
    joined += k ? " " : "";
    joined += trim(ls[i + k]);
    const auto after = next_filled(ls, i + k + 1);
    if (attribution(joined, after < ls.size() && is_quote(ls[after]))) return k + 1;
    if (joined.size() > max_attribution) return 0;
  }
  return 0;
}

// One mark per line: e empty, q quoted, f forward, s splitter, x the rest of a splitter, t text.
std::string mark(const lines& ls) {
  std::string m(ls.size(), 't');
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const auto l = trim(ls[i]);
    std::size_t span = 0;
    if (l.empty()) m[i] = 'e';
    else if (l.front() == '>') m[i] = 'q';
    else if (forward_marker(l)) m[i] = 'f';
    else if (original_message(l)) m[i] = 's';
    else if (l.size() >= 10 && l.find_first_not_of('_') == npos && header_block(ls, next_filled(ls, i + 1))) m[i] = 's';
    else if ((span = header_block(ls, i)) || (span = attribution_at(ls, i))) {
      m[i] = 's';
      for (std::size_t k = 1; k < span; ++k) m[i + k] = 'x';
      i += span - 1;
    }
  }
  return m;
}

std::string join(const lines& ls, std::size_t from, std::size_t to) {
  while (from < to && trim(ls[from]).empty()) ++from;
  while (to > from && trim(ls[to - 1]).empty()) --to;
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    out += ls[i];
    if (i + 1 < to) out += '\n';
  }
  return out;
}

bool mobile_line(std::string_view line) {
  if (trim(line).size() >= 100) return false;
  const std::string l = lower(trim(line));
  return starts_with_any(l, {"sent from my ", "sent from mail for", "sent from yahoo", "sent from outlook",
                                               "sent from samsung", "sent from proton", "sent with ", "sent via ",
                                               "get outlook for ", "von meinem ", "gesendet von ", "envoyé de mon ",
                                               "envoyé depuis ", "enviado desde mi ", "enviado do meu ", "inviato da ",
                                               "verzonden met ", "verstuurd vanaf mijn ", "skickat från min ",
                                               "sendt fra min ", "отправлено с ", "wysłane z "});
}

// Where the signature of the kept lines starts, or ls.size().
std::size_t signature_start(const lines& ls) {
  std::size_t at = ls.size();
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const auto l = ls[i].substr(0, ls[i].find_last_not_of('\r') + 1);
    if ((l == "-- " || l == "--") && ls.size() - i - 1 <= max_signature_lines) {
      at = i;
      break;
    }
  }
  std::size_t seen = 0;  // the last three lines with text
  for (std::size_t i = ls.size(); i-- > 0 && seen < 3;) {
    if (trim(ls[i]).empty()) continue;
    ++seen;
    if (mobile_line(ls[i])) at = std::min(at, i);
  }
  return at;
}

}  // namespace

reply_parts split_reply(std::string_view text) {
  lines ls;
  for (std::size_t pos = 0; pos <= text.size();) {
    auto end = text.find('\n', pos);
    if (end == npos) end = text.size();
    ls.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  const std::string m = mark(ls);
  std::size_t start = m.find('s');
  if (start == npos) {  // no splitter: a block of two or more quoted lines
    for (auto q = m.find('q'); q != npos && start == npos; q = m.find('q', q + 1)) {
      const auto next = m.find_first_not_of('e', q + 1);
      if (next != npos && m[next] == 'q') start = q;
    }
  }
  lines kept = ls;
  reply_parts out;
  const auto forward = m.find('f');
  if (start != npos && (forward == npos || forward > start)) {
    const auto last_q = m.rfind('q');
    const bool quotes_after = last_q != npos && last_q > start;
    const bool inline_reply = quotes_after && m.substr(start + 1, last_q - start).find('t') != npos;
    if (!inline_reply) {
      const std::size_t end = quotes_after ? last_q + 1 : ls.size();
      out.quoted = join(ls, start, end);
      kept.assign(ls.begin(), ls.begin() + static_cast<std::ptrdiff_t>(start));
      kept.insert(kept.end(), ls.begin() + static_cast<std::ptrdiff_t>(end), ls.end());
    }
  }
  const auto signature = signature_start(kept);
  out.signature = join(kept, signature, kept.size());
  out.new_text = join(kept, 0, signature);
  return out;
}

}  // namespace switchboard::channels::email
