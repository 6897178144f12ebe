#include "channels/email/mime.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "channels/email/ascii.hpp"
#include "channels/email/charset.hpp"
#include "channels/email/gmime_util.hpp"
#include "channels/email/html.hpp"
#include "channels/email/quotes.hpp"
#include "channels/email/report.hpp"

namespace switchboard::channels::email {

namespace {

constexpr std::size_t max_problems = 32;
constexpr std::size_t max_item = 80;  // bytes of a header or value quoted in a problem
constexpr std::size_t max_references = 100;
constexpr std::size_t max_recipients = 500;

struct options_free {
  void operator()(GMimeParserOptions* o) const noexcept { g_mime_parser_options_free(o); }
};

std::string utf8(const char* s) { return s ? repair_utf8(s) : std::string(); }

std::string lower(std::string_view s) { return ascii_lower(s); }

bool iequals(const char* a, std::string_view b) { return a && g_ascii_strncasecmp(a, b.data(), b.size()) == 0 && !a[b.size()]; }

// What was malformed and tolerated: once each, at most max_problems.
class problem_list {
 public:
  explicit problem_list(std::vector<std::string>& list) : list_(list) {}
  void add(std::string p) {
    p = repair_utf8(p);
    if (list_.size() < max_problems && std::find(list_.begin(), list_.end(), p) == list_.end()) list_.push_back(std::move(p));
  }
  void add(std::string_view what, const char* item) {
    std::string shown(item ? std::string_view(item).substr(0, max_item) : std::string_view{});
    while (!shown.empty() && (shown.back() == '\n' || shown.back() == '\r')) shown.pop_back();
    add(shown.empty() ? std::string(what) : std::string(what) + ": " + shown);
  }

 private:
  std::vector<std::string>& list_;
};

// GMime's warnings, in words (gmime-parser-options.h lists them).
void on_warning(gint64, GMimeParserWarning code, const gchar* item, gpointer data) noexcept {
  try {
    auto& p = *static_cast<problem_list*>(data);
    switch (code) {
      case GMIME_WARN_DUPLICATED_HEADER: return p.add("duplicated header", item);
      case GMIME_WARN_DUPLICATED_PARAMETER: return p.add("duplicated parameter", item);
      case GMIME_WARN_UNENCODED_8BIT_HEADER: return p.add("8-bit header", item);
      case GMIME_WARN_INVALID_CONTENT_TYPE: return p.add("invalid Content-Type", item);
      case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return p.add("invalid encoded words", item);
      case GMIME_WARN_MALFORMED_MULTIPART: return p.add("multipart without parts", item);
      case GMIME_WARN_TRUNCATED_MESSAGE: return p.add("truncated message", item);
      case GMIME_WARN_MALFORMED_MESSAGE: return p.add("malformed message", item);
      case GMIME_CRIT_INVALID_HEADER_NAME: return p.add("invalid header line skipped", item);
      case GMIME_CRIT_CONFLICTING_HEADER: return p.add("conflicting header", item);
      case GMIME_CRIT_CONFLICTING_PARAMETER: return p.add("conflicting parameter", item);
      case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return p.add("multipart without boundary", item);
      case GMIME_WARN_INVALID_PARAMETER: return p.add("invalid parameter", item);
      case GMIME_WARN_INVALID_ADDRESS_LIST: return p.add("invalid address list", item);
      case GMIME_CRIT_NESTING_OVERFLOW: return p.add("MIME nesting over GMime's limit: inner parts ignored", item);
      case GMIME_WARN_PART_WITHOUT_CONTENT: return p.add("part without content", item);
      case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return p.add("part without header or content", item);
    }
    p.add("parser warning " + std::to_string(static_cast<int>(code)));
  } catch (...) {  // nothing may leave a C callback
  }
}

// A header line that is a field: a name without blanks or control characters, then a colon
// (blanks before it are obsolete syntax, still read).
bool field_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  auto name = line.substr(0, colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
  });
}

// The bytes GMime reads: an mbox "From " line dropped, and a blank line put where the body starts
// when the sender left it out (a line that is no field, with no field after it).
std::string prepare(std::string_view raw, problem_list& problems) {
  if (raw.substr(0, 5) == "From ") raw.remove_prefix(std::min(raw.size(), raw.find('\n') + 1));
  std::size_t last_field = 0, pos = 0;
  bool any_field = false;
  std::vector<std::size_t> odd;  // where lines that are neither fields nor folds start
  while (pos < raw.size()) {
    auto end = raw.find('\n', pos);
    if (end == std::string_view::npos) end = raw.size();
    auto line = raw.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.front() != ' ' && line.front() != '\t') {
      if (field_line(line)) last_field = pos, any_field = true;
      else odd.push_back(pos);
    }
    pos = end + 1;
  }
  for (const auto at : odd) {
    if (any_field && at < last_field) continue;  // GMime skips it and says so
    if (at > 0) problems.add("no blank line between the header and the body");
    std::string out(raw.substr(0, at));
    out += '\n';
    out += raw.substr(at);
    return out;
  }
  return std::string(raw);
}

// GMime builds every part before we walk them: a message with more lines that could open a part
// than 8 per allowed part (no mail a person sends) is cut at the first line over, so that memory
// stays in proportion to what is read.
void cap_part_lines(std::string& bytes, std::size_t max_parts, problem_list& problems) {
  std::size_t lines = 0, pos = 0;
  while (pos < bytes.size()) {
    if (bytes.compare(pos, 2, "--") == 0 && ++lines > 8 * max_parts) {
      bytes.resize(pos);
      return problems.add("more than " + std::to_string(8 * max_parts) + " boundary lines: the rest cut");
    }
    const auto end = bytes.find('\n', pos);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
}

header_fields fields_of(GMimeObject* o) {
  header_fields out;
  GMimeHeaderList* list = o ? g_mime_object_get_header_list(o) : nullptr;
  const int n = list ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    out.emplace_back(utf8(g_mime_header_get_name(h)), utf8(g_mime_header_get_value(h)));
  }
  return out;
}

// The raw (undecoded) values of every header named `name`, in order.
std::vector<std::string> raw_values(GMimeObject* o, std::string_view name) {
  std::vector<std::string> out;
  GMimeHeaderList* list = g_mime_object_get_header_list(o);
  const int n = list ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* raw = g_mime_header_get_raw_value(h);
    if (iequals(g_mime_header_get_name(h), name) && raw) out.emplace_back(raw);
  }
  return out;
}

bool usable(GMimeMessage* m) {
  for (GMimeObject* o : {GMIME_OBJECT(m), g_mime_message_get_mime_part(m)}) {
    for (const auto& [name, value] : fields_of(o)) {
      for (std::string_view known : {"from", "to", "cc", "subject", "date", "message-id", "content-type", "sender",
                                     "reply-to", "mime-version", "in-reply-to", "references", "received", "return-path"}) {
        if (lower(name) == known) return true;
      }
    }
  }
  return false;
}

void addresses(InternetAddressList* list, std::vector<mail_address>& out, int depth = 0) {
  const int n = list ? internet_address_list_length(list) : 0;
  for (int i = 0; i < n; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(a)) {
      if (depth < 2) addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out, depth + 1);
      continue;
    }
    if (!INTERNET_ADDRESS_IS_MAILBOX(a)) continue;
    mail_address m{utf8(internet_address_get_name(a)), utf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)))};
    if (const auto at = m.address.rfind('@'); at != std::string::npos) {
      m.address = m.address.substr(0, at) + lower(m.address.substr(at));
    }
    if (!m.address.empty() || !m.name.empty()) out.push_back(std::move(m));
  }
}

mail_address first_address(InternetAddressList* list) {
  std::vector<mail_address> all;
  addresses(list, all);
  return all.empty() ? mail_address{} : std::move(all.front());
}

std::string mime_type(GMimeObject* o) {
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  if (!ct) return "application/octet-stream";
  return lower(utf8(g_mime_content_type_get_media_type(ct)) + "/" + utf8(g_mime_content_type_get_media_subtype(ct)));
}

std::string parameter(GMimeObject* o, const char* name) {
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  return ct ? utf8(g_mime_content_type_get_parameter(ct, name)) : std::string();
}

std::string bytes_of(GMimeStream* s) {
  GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
  return a ? std::string(reinterpret_cast<const char*>(a->data), a->len) : std::string();
}

// The part's content with its transfer encoding (base64, quoted-printable, uuencode) undone.
std::string decoded(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return {};
  gobject<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  return bytes_of(mem.get());
}

// A file name fit for the blob store and a download: no folders, no control characters.
std::string clean_filename(std::string name) {
  if (const auto slash = name.find_last_of("/\\"); slash != std::string::npos) name.erase(0, slash + 1);
  name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }),
             name.end());
  name = collapse_spaces(name);
  if (name.size() > 255) name = repair_utf8(std::string_view(name).substr(0, 255));
  return name == "." || name == ".." ? std::string() : name;
}

// One stretch of body: a text/plain part, a text/html part, or the pick of a multipart/alternative.
struct segment {
  bool has_plain = false;
  std::string plain;  // from text/plain
  std::string html;   // raw, from text/html
};

class body_walker {
 public:
  body_walker(const mail_limits& limits, parsed_mail& out, problem_list& problems)
      : limits_(limits), out_(out), problems_(problems) {}

  void walk(GMimeObject* o, int depth, bool related) {
    if (!enter(depth)) return;
    if (GMIME_IS_MULTIPART(o)) multipart(GMIME_MULTIPART(o), depth, related);
    else if (GMIME_IS_MESSAGE_PART(o)) message(GMIME_MESSAGE_PART(o), o);
    else if (GMIME_IS_PART(o)) leaf(GMIME_PART(o), related);
  }

  void finish() {
    if (dropped_ > 0) {
      problems_.add(std::to_string(dropped_) + " attachments over the limit of " + std::to_string(limits_.max_attachments) + " dropped");
    }
  }

  std::vector<segment> segments;

 private:
  bool enter(int depth) {
    if (++parts_ > limits_.max_parts) {
      problems_.add("more than " + std::to_string(limits_.max_parts) + " MIME parts: the rest ignored");
      return false;
    }
    if (depth > limits_.max_depth) {
      problems_.add("MIME nesting deeper than " + std::to_string(limits_.max_depth) + ": inner parts ignored");
      return false;
    }
    return true;
  }

  void multipart(GMimeMultipart* m, int depth, bool related) {
    const std::string type = mime_type(GMIME_OBJECT(m));
    const int n = g_mime_multipart_get_count(m);
    if (n == 0) {  // no boundary, or one that never appears: what there is reads as text
      problems_.add(type + " without any part: its text read as the body");
      std::string problem;
      const char* prologue = g_mime_multipart_get_prologue(m);
      const std::string text = to_utf8(prologue ? prologue : "", "", problem);
      if (!trim_blank_lines(text).empty()) segments.push_back({true, lf_newlines(text), {}});
      return;
    }
    if (type == "multipart/alternative") return alternative(m, depth, related);
    if (type == "multipart/report") return report(m, depth);
    const int count = type == "multipart/signed" ? 1 : n;  // the second part is only the signature
    for (int i = 0; i < count; ++i) walk(g_mime_multipart_get_part(m, i), depth + 1, related || type == "multipart/related");
  }

  // The last alternative with plain text gives the text, the last with HTML the HTML.
  void alternative(GMimeMultipart* m, int depth, bool related) {
    segment best;
    for (int i = 0; i < g_mime_multipart_get_count(m); ++i) {
      auto outer = std::move(segments);
      segments.clear();
      walk(g_mime_multipart_get_part(m, i), depth + 1, related);
      std::swap(outer, segments);
      segment got;
      for (auto& s : outer) {
        got.has_plain = got.has_plain || s.has_plain;
        got.plain += (got.plain.empty() || s.plain.empty() ? "" : "\n\n") + s.plain;
        got.html += s.html;
      }
      if (got.has_plain) best.has_plain = true, best.plain = std::move(got.plain);
      if (!got.html.empty()) best.html = std::move(got.html);
    }
    if (best.has_plain || !best.html.empty()) segments.push_back(std::move(best));
  }

  void report(GMimeMultipart* m, int depth);
  void message(GMimeMessagePart* part, GMimeObject* o);
  void leaf(GMimePart* part, bool related);
  void attach(mail_attachment a);

  const mail_limits& limits_;
  parsed_mail& out_;
  problem_list& problems_;
  std::size_t parts_ = 0;
  std::size_t dropped_ = 0;
};

// A delivery report (RFC 3462/3464): its first part is for people, the machine-readable status
// and the returned message or header follow. Other report types (read receipts, abuse feedback)
// are automatic mail too.
void body_walker::report(GMimeMultipart* m, int depth) {
  const std::string kind = lower(parameter(GMIME_OBJECT(m), "report-type"));
  bool delivery = kind == "delivery-status" || kind == "global-delivery-status";
  for (int i = 0; i < g_mime_multipart_get_count(m); ++i) {
    GMimeObject* child = g_mime_multipart_get_part(m, i);
    const std::string type = mime_type(child);
    if (i == 0 || (type.rfind("message/", 0) != 0 && type != "text/rfc822-headers")) {
      walk(child, depth + 1, false);
    } else if (!enter(depth + 1)) {
      return;
    } else if (type == "message/delivery-status" || type == "message/global-delivery-status") {
      delivery = true;
      const auto status = GMIME_IS_PART(child) ? parse_delivery_status(decoded(GMIME_PART(child))) : std::nullopt;
      if (status && out_.bounce_status.empty() && out_.bounced_recipient.empty()) {
        out_.bounced_recipient = repair_utf8(status->recipient);
        out_.bounce_status = repair_utf8(status->status);
        out_.bounce_reason = repair_utf8(status->reason);
        out_.permanent_failure = status->permanent;
      }
    } else if (GMIME_IS_MESSAGE_PART(child) || type == "text/rfc822-headers" || type == "message/rfc822-headers") {
      GMimeMessage* inner = GMIME_IS_MESSAGE_PART(child) ? g_mime_message_part_get_message(GMIME_MESSAGE_PART(child)) : nullptr;
      std::string id;
      if (inner) id = utf8(g_mime_object_get_header(GMIME_OBJECT(inner), "Message-ID"));
      if (!inner && GMIME_IS_PART(child)) {
        const auto blocks = field_blocks(decoded(GMIME_PART(child)));
        if (!blocks.empty()) id = std::string(field(blocks.front(), "Message-ID"));
      }
      const auto ids = message_ids(id);
      if (!ids.empty() && out_.bounced_message_id.empty()) out_.bounced_message_id = ids.front();
    } else if (!out_.automatic) {
      out_.automatic = true, out_.automatic_reason = "report: " + type;
    }
  }
  out_.bounce = out_.bounce || delivery;
  if (!delivery && !out_.automatic) out_.automatic = true, out_.automatic_reason = "multipart/report; report-type=" + kind;
}

// A message inside the message (forwarded as an attachment): kept whole as an .eml attachment.
void body_walker::message(GMimeMessagePart* part, GMimeObject* o) {
  if (out_.attachments.size() >= limits_.max_attachments) return void(++dropped_);
  GMimeMessage* inner = g_mime_message_part_get_message(part);
  mail_attachment a;
  a.content_type = "message/rfc822";
  a.filename = clean_filename(utf8(g_mime_object_get_content_disposition_parameter(o, "filename")));
  if (a.filename.empty() && inner) a.filename = clean_filename(utf8(g_mime_message_get_subject(inner)));
  if (a.filename.empty()) a.filename = "message";
  if (a.filename.size() < 4 || a.filename.substr(a.filename.size() - 4) != ".eml") a.filename += ".eml";
  if (inner) {
    gobject<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(inner), nullptr, mem.get());
    a.data = bytes_of(mem.get());
  }
  a.is_inline = iequals(g_mime_object_get_disposition(o), "inline");
  attach(std::move(a));
}

void body_walker::leaf(GMimePart* part, bool related) {
  GMimeObject* o = GMIME_OBJECT(part);
  const std::string type = mime_type(o);
  const char* disposition = g_mime_object_get_disposition(o);
  const std::string filename = utf8(g_mime_part_get_filename(part));
  if ((type == "text/plain" || type == "text/html") && !iequals(disposition, "attachment") && filename.empty()) {
    std::string problem;
    std::string text = lf_newlines(to_utf8(decoded(part), parameter(o, "charset"), problem));
    if (!problem.empty()) problems_.add(type + ": " + problem);
    if (type == "text/html") return segments.push_back({false, {}, std::move(text)});
    if (lower(parameter(o, "format")) == "flowed") text = unflow(text, lower(parameter(o, "delsp")) == "yes");
    return segments.push_back({true, std::move(text), {}});
  }
  if (type == "application/pgp-signature" || type == "application/pkcs7-signature" ||
      type == "application/x-pkcs7-signature") {
    return;  // a signature of the body, not something the sender attached
  }
  if (out_.attachments.size() >= limits_.max_attachments) return void(++dropped_);
  mail_attachment a;
  a.filename = clean_filename(filename);
  a.content_type = type;
  a.content_id = utf8(g_mime_object_get_content_id(o));
  a.is_inline = iequals(disposition, "inline") || (related && !a.content_id.empty());
  a.data = decoded(part);
  attach(std::move(a));
}

void body_walker::attach(mail_attachment a) {
  if (a.data.size() > limits_.max_attachment_bytes) {
    return problems_.add("attachment '" + a.filename + "' of " + std::to_string(a.data.size()) + " bytes over the limit of " +
                         std::to_string(limits_.max_attachment_bytes) + " dropped");
  }
  out_.attachments.push_back(std::move(a));
}

std::string joined(const std::string& a, const std::string& b) { return a.empty() ? b : b.empty() ? a : a + "\n\n" + b; }

// text, html, new_text, quoted and signature from the body's segments.
void assemble(std::vector<segment>& segments, parsed_mail& out) {
  bool any_plain = false, any_html = false;
  for (const auto& s : segments) any_plain = any_plain || s.has_plain, any_html = any_html || !s.html.empty();
  std::string html;  // a plain segment beside HTML ones shows as escaped text among them
  for (const auto& s : segments) {
    if (any_html) html += !s.html.empty() ? s.html : plain_to_html(s.plain);
  }
  if (any_html) out.html = sanitize_html(html);
  if (any_plain) {
    for (const auto& s : segments) out.text = joined(out.text, trim_blank_lines(s.has_plain ? s.plain : html_to_text(s.html).text));
    auto parts = split_reply(out.text);
    out.new_text = std::move(parts.new_text), out.quoted = std::move(parts.quoted), out.signature = std::move(parts.signature);
    return;
  }
  if (!any_html) return;
  out.text = html_to_text(html).text;  // HTML only: its quote markup says what is quoted
  auto rendered = html_to_text(html, true);
  auto parts = split_reply(rendered.text);
  out.new_text = std::move(parts.new_text);
  out.quoted = joined(parts.quoted, rendered.quoted);
  out.signature = joined(parts.signature, rendered.signature);
}

void read_header(GMimeMessage* m, parsed_mail& out, problem_list& problems) {
  GMimeObject* o = GMIME_OBJECT(m);
  for (const auto& v : raw_values(o, "Message-ID")) {
    if (const auto ids = message_ids(v); out.message_id.empty() && !ids.empty()) out.message_id = ids.front();
  }
  for (const auto& v : raw_values(o, "In-Reply-To")) {
    if (const auto ids = message_ids(v); out.in_reply_to.empty() && !ids.empty()) out.in_reply_to = ids.front();
  }
  std::string all;  // a References header given twice reads as one
  for (const auto& v : raw_values(o, "References")) all += v + " ";
  out.references = message_ids(all);
  if (out.references.size() > max_references) {  // the root and the nearest: what threading needs
    out.references.erase(out.references.begin() + 1, out.references.end() - (max_references - 1));
    problems.add("References of more than " + std::to_string(max_references) + " ids: the middle dropped");
  }
  out.from = first_address(g_mime_message_get_from(m));
  out.reply_to = first_address(g_mime_message_get_reply_to(m));
  out.sender = first_address(g_mime_message_get_sender(m));
  addresses(g_mime_message_get_to(m), out.to);
  addresses(g_mime_message_get_cc(m), out.cc);
  for (auto* list : {&out.to, &out.cc}) {
    if (list->size() > max_recipients) {
      list->resize(max_recipients);
      problems.add("more than " + std::to_string(max_recipients) + " recipients in To or Cc: the rest dropped");
    }
  }
  out.subject = collapse_spaces(utf8(g_mime_message_get_subject(m)));
  if (GDateTime* date = g_mime_message_get_date(m)) {
    out.date_ms = g_date_time_to_unix(date) * 1000 + g_date_time_get_microsecond(date) / 1000;
  } else if (g_mime_object_get_header(o, "Date")) {
    problems.add("unparseable Date", g_mime_object_get_header(o, "Date"));
  }
  out.automatic_reason = repair_utf8(automatic_reason(fields_of(o)));
  out.automatic = !out.automatic_reason.empty();
}

// Belt and braces: every string handed on is UTF-8 whatever a library returned.
void repair_strings(parsed_mail& m) {
  const auto fix = [](std::string& s) {
    if (!is_utf8(s)) s = repair_utf8(s);
  };
  for (std::string* s : {&m.message_id, &m.in_reply_to, &m.subject, &m.text, &m.new_text, &m.quoted, &m.signature,
                         &m.html, &m.automatic_reason, &m.bounced_message_id, &m.bounced_recipient, &m.bounce_status,
                         &m.bounce_reason, &m.from.name, &m.from.address, &m.reply_to.name, &m.reply_to.address,
                         &m.sender.name, &m.sender.address}) {
    fix(*s);
  }
  for (auto& s : m.references) fix(s);
  for (auto* list : {&m.to, &m.cc}) {
    for (auto& a : *list) fix(a.name), fix(a.address);
  }
  for (auto& a : m.attachments) fix(a.filename), fix(a.content_type), fix(a.content_id);
}

// Not one header (mime4j's "noheader" fixture): the whole text is the body, as mime4j reads it;
// who sent it is the envelope's to say. Nothing readable at all is refused.
result<parsed_mail> headerless(std::string_view raw, parsed_mail& out, problem_list& problems) {
  std::string guessed;
  out.text = trim_blank_lines(lf_newlines(to_utf8(raw, "", guessed)));
  if (out.text.empty()) return make_error_code(errc::bad_input);
  problems.add("no header: the whole text read as the body");
  if (!guessed.empty()) problems.add(guessed);
  auto parts = split_reply(out.text);
  out.new_text = std::move(parts.new_text), out.quoted = std::move(parts.quoted), out.signature = std::move(parts.signature);
  repair_strings(out);
  return std::move(out);
}

result<parsed_mail> parse(std::string_view raw, const mail_limits& limits) {
  if (raw.size() > limits.max_bytes) return make_error_code(errc::bad_input);
  init_gmime();
  parsed_mail out;
  problem_list problems(out.problems);
  std::string bytes = prepare(raw, problems);
  cap_part_lines(bytes, limits.max_parts, problems);
  gobject<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  gobject<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  std::unique_ptr<GMimeParserOptions, options_free> options(g_mime_parser_options_new());
  g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_allow_addresses_without_domain(options.get(), TRUE);
  const char* fallback[] = {"UTF-8", "windows-1252", nullptr};  // for raw 8-bit header text
  g_mime_parser_options_set_fallback_charsets(options.get(), fallback);
  g_mime_parser_options_set_warning_callback(options.get(), on_warning, &problems);
  gobject<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options.get()));
  if (!message || !usable(message.get())) return headerless(raw, out, problems);
  read_header(message.get(), out, problems);
  body_walker body(limits, out, problems);
  if (GMimeObject* root = g_mime_message_get_mime_part(message.get())) body.walk(root, 0, false);
  body.finish();
  assemble(body.segments, out);
  if (!out.bounce) {  // a returned message outside a delivery report says nothing of a bounce
    out.bounced_message_id.clear(), out.bounced_recipient.clear(), out.bounce_status.clear(), out.bounce_reason.clear();
    out.permanent_failure = false;
  }
  repair_strings(out);
  return out;
}

}  // namespace

result<parsed_mail> parse_mail(std::string_view raw, const mail_limits& limits) {
  try {
    return parse(raw, limits);
  } catch (const std::exception&) {  // out of memory: the message is refused, the process goes on
    return make_error_code(errc::bad_input);
  }
}

}  // namespace switchboard::channels::email
