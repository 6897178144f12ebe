#include "channels/email/compose.hpp"

#include "channels/email/gmime_util.hpp"
#include "channels/email/threading.hpp"

#include <openssl/evp.h>

#include <ctime>

namespace switchboard::channels::email {
namespace {

struct format_free {
  void operator()(GMimeFormatOptions* o) const noexcept { g_mime_format_options_free(o); }
};
struct date_free {
  void operator()(GDateTime* d) const noexcept { g_date_time_unref(d); }
};

std::string ids(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& id : list) out += (out.empty() ? "<" : " <") + id + ">";
  return out;
}

// "On Tue, 01 Dec 2026 10:00 UTC, Ana Ruiz <ana@x.org> wrote:" and the text with "> " before each line.
std::string quoted(const outgoing_mail& m) {
  if (m.quoted_text.empty()) return {};
  std::string out = "\n\n";
  if (m.quoted_date_ms > 0) {
    const std::time_t t = static_cast<std::time_t>(m.quoted_date_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[64];
    std::strftime(when, sizeof when, "%a, %d %b %Y %H:%M UTC", &tm);
    out += "On " + std::string(when) + ", " + (m.quoted_who.empty() ? "you" : m.quoted_who) + " wrote:\n";
  } else {
    out += (m.quoted_who.empty() ? std::string("You") : m.quoted_who) + " wrote:\n";
  }
  std::size_t start = 0;
  while (start <= m.quoted_text.size()) {
    auto end = m.quoted_text.find('\n', start);
    if (end == std::string::npos) end = m.quoted_text.size();
    const std::string_view line = std::string_view(m.quoted_text).substr(start, end - start);
    out += line.starts_with(">") ? ">" : "> ";
    out += line;
    out += '\n';
    start = end + 1;
  }
  return out;
}

// A boundary made from the Message-ID: the same reply composes to the same bytes.
std::string boundary_of(const std::string& message_id) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(message_id.data(), message_id.size(), md, &n, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "=_sb_";
  for (unsigned int i = 0; i < 12 && i < n; ++i) out += {hex[md[i] >> 4], hex[md[i] & 15]};
  return out;
}

GMimeObject* text_part(const std::string& text) {
  GMimeTextPart* part = g_mime_text_part_new_with_subtype("plain");
  g_mime_text_part_set_text(part, text.c_str());  // charset utf-8
  g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return GMIME_OBJECT(part);
}

GMimeObject* file_part(const outgoing_attachment& a) {
  const std::string type = a.content_type.empty() ? "application/octet-stream" : a.content_type;
  const auto slash = type.find('/');
  GMimePart* part = g_mime_part_new_with_type(type.substr(0, slash).c_str(),
                                              slash == std::string::npos ? "octet-stream" : type.substr(slash + 1).c_str());
  gobject<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(a.data.data(), a.data.size()));
  gobject<GMimeDataWrapper> content(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, content.get());
  g_mime_part_set_filename(part, a.file_name.empty() ? "attachment" : a.file_name.c_str());
  g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
  return GMIME_OBJECT(part);
}

}  // namespace

std::string reply_subject(std::string_view subject) {
  std::string s(subject);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  if (s.empty()) return "Re: your message";
  if (kind_of_subject(s) == subject_kind::reply) return s;
  return "Re: " + s;
}

std::string compose_mail(const outgoing_mail& m) {
  init_gmime();
  gobject<GMimeMessage> msg(g_mime_message_new(TRUE));
  g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, m.from_name.c_str(), m.from_address.c_str());
  if (!m.reply_to.empty()) g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_REPLY_TO, m.from_name.c_str(), m.reply_to.c_str());
  g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_TO, m.to_name.c_str(), m.to_address.c_str());
  g_mime_message_set_subject(msg.get(), m.subject.c_str(), "utf-8");
  std::unique_ptr<GDateTime, date_free> date(g_date_time_new_from_unix_utc(m.date_ms / 1000));
  g_mime_message_set_date(msg.get(), date.get());
  g_mime_message_set_message_id(msg.get(), m.message_id.c_str());
  auto* object = GMIME_OBJECT(msg.get());
  if (!m.in_reply_to.empty()) g_mime_object_set_header(object, "In-Reply-To", ("<" + m.in_reply_to + ">").c_str(), nullptr);
  if (m.automatic) g_mime_object_set_header(object, "Auto-Submitted", "auto-generated", nullptr);
  if (!m.references.empty()) g_mime_object_set_header(object, "References", ids(m.references).c_str(), nullptr);

  gobject<GMimeObject> body(text_part(m.body + quoted(m)));
  if (m.attachments.empty()) {
    g_mime_message_set_mime_part(msg.get(), body.get());
  } else {
    gobject<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
    g_mime_multipart_set_boundary(mixed.get(), boundary_of(m.message_id).c_str());
    g_mime_multipart_add(mixed.get(), body.get());
    for (const auto& a : m.attachments) {
      gobject<GMimeObject> part(file_part(a));
      g_mime_multipart_add(mixed.get(), part.get());
    }
    g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(mixed.get()));
  }
  std::unique_ptr<GMimeFormatOptions, format_free> options(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  gstring text(g_mime_object_to_string(object, options.get()));
  return text ? std::string(text.get()) : std::string();
}

}  // namespace switchboard::channels::email
