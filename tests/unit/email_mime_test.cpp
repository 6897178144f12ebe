// channels/email/: every mail of tests/fixtures/email parsed as it is, with what a reader of each
// sees; CRLF and LF alike; bounces (a DSN written here per RFC 3464) and auto-replies by each of
// their headers; the HTML sanitiser and text rendering; quoted history and signatures cut off;
// the limits; and random, truncated and mutated bytes that must never crash the parser.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "channels/email/charset.hpp"
#include "channels/email/html.hpp"
#include "channels/email/mime.hpp"
#include "channels/email/quotes.hpp"

namespace switchboard::channels::email {
namespace {

namespace fs = std::filesystem;

// Copies of ../shared/fixtures/email, byte for byte (tests/fixtures/SOURCES.md says where from).
fs::path fixtures() { return fs::path(SWITCHBOARD_SOURCE_DIR) / "tests" / "fixtures" / "email"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

parsed_mail fixture(const std::string& name) {
  auto r = parse_mail(read(fixtures() / name));
  EXPECT_TRUE(r.has_value()) << name;
  return r.has_value() ? *r : parsed_mail{};
}

bool has_problem(const parsed_mail& m, std::string_view p) {
  return std::any_of(m.problems.begin(), m.problems.end(), [&](const std::string& x) { return x.find(p) != std::string::npos; });
}

// Every field, one per line, for comparing two results and for checking them all for UTF-8.
std::string dump(const parsed_mail& m) {
  std::ostringstream o;
  const auto address = [&](const mail_address& a) { o << a.name << " <" << a.address << ">\n"; };
  o << m.message_id << '\n' << m.in_reply_to << '\n';
  for (const auto& r : m.references) o << r << ' ';
  address(m.from), address(m.reply_to), address(m.sender);
  for (const auto& a : m.to) address(a);
  for (const auto& a : m.cc) address(a);
  o << m.subject << '\n' << m.date_ms << '\n' << m.text << '\n' << m.new_text << '\n' << m.quoted << '\n' << m.signature << '\n'
    << m.html << '\n' << m.automatic << m.automatic_reason << '\n' << m.bounce << m.bounced_message_id << m.bounced_recipient
    << m.bounce_status << m.bounce_reason << m.permanent_failure << '\n';
  for (const auto& a : m.attachments) o << a.filename << a.content_type << a.content_id << a.is_inline << a.data.size() << '\n';
  for (const auto& p : m.problems) o << p << '\n';
  return o.str();
}

// The same mail with CRLF line ends, or with LF ones.
std::string with_crlf(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}
std::string with_lf(std::string s) {
  for (std::size_t i; (i = s.find("\r\n")) != std::string::npos;) s.erase(i, 1);
  return s;
}

TEST(EmailMime, EveryFixtureIsReadAsUtf8) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(fixtures())) {
    ++files;
    const auto r = parse_mail(read(e.path()));
    ASSERT_TRUE(r.has_value()) << e.path();
    EXPECT_TRUE(is_utf8(dump(*r))) << e.path();
    for (const auto& a : r->attachments) EXPECT_FALSE(a.data.empty()) << e.path();
  }
  EXPECT_EQ(files, 18);
}

TEST(EmailMime, PlainMail) {
  const auto m = fixture("cpython__msg_01.txt");
  EXPECT_EQ(m.subject, "This is a test message");
  EXPECT_EQ(m.from.name, "John X. Doe");  // the old "addr (Name)" form
  EXPECT_EQ(m.from.address, "bbb@ddd.com");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].address, "bbb@zzz.org");
  EXPECT_EQ(m.message_id, "15090.61304.110929.45684@aaa.zzz.org");
  EXPECT_EQ(m.date_ms, 988999544000);
  EXPECT_EQ(m.text, "Hi,\n\nDo you like this message?\n\n-Me");
  EXPECT_EQ(m.new_text, m.text);
  EXPECT_TRUE(m.html.empty() && m.attachments.empty() && !m.automatic && !m.bounce && m.problems.empty());
}

TEST(EmailMime, DeliveryReportOfAMailingList) {
  const auto m = fixture("cpython__msg_16.txt");
  EXPECT_TRUE(m.bounce);
  EXPECT_EQ(m.bounced_message_id, "002001c144a6$8752e060$56104586@oxy.edu");
  EXPECT_EQ(m.bounced_recipient, "jangel1@cougar.noc.ucla.edu");
  EXPECT_EQ(m.bounce_status, "5.0.0");
  EXPECT_EQ(m.bounce_reason, "recipient reached disk quota");
  EXPECT_TRUE(m.permanent_failure);
  EXPECT_TRUE(m.automatic);
  EXPECT_EQ(m.automatic_reason, "Precedence: bulk");
  EXPECT_EQ(m.text.rfind("This report relates to a message you sent", 0), 0u);
  EXPECT_TRUE(m.attachments.empty());  // the returned message is the report's, not an attachment
}

TEST(EmailMime, NoBlankLineBetweenHeaderAndBody) {
  const auto m = fixture("cpython__msg_35.txt");
  EXPECT_EQ(m.subject, "here's something interesting");
  EXPECT_EQ(m.from.address, "aperson@dom.ain");
  EXPECT_EQ(m.text, "counter to RFC 2822, there's no separating newline here");
  EXPECT_TRUE(has_problem(m, "no blank line between the header and the body"));
}

TEST(EmailMime, MultipartWithoutBoundaryReadsItsTextAsTheBody) {
  const auto m = fixture("cpython__msg_41.txt");
  EXPECT_EQ(m.from.name, "Allison Dunlap");
  EXPECT_EQ(m.text, "Blah blah blah");
  EXPECT_TRUE(has_problem(m, "multipart without boundary"));
  EXPECT_TRUE(has_problem(m, "multipart/alternative without any part"));
}

TEST(EmailMime, PdfAttachmentAndLatin1QuotedPrintableText) {
  const auto m = fixture("mail__attachment_pdf.eml");
  EXPECT_EQ(m.subject, "Another PDF with \xF0\x9F\x8E\x89 Unicode chars in it \xF0\x9F\x8D\xBF");
  EXPECT_EQ(m.from.name, "Test Tester");
  EXPECT_EQ(m.reply_to.address, "xxxx@xxxx.com");
  EXPECT_EQ(m.to.size(), 2u);
  EXPECT_EQ(m.text, "Just attaching another PDF, here, to see what the message looks like,\n"
                    "and to see if I can figure out what is going wrong here.");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].filename, "broken.pdf");
  EXPECT_EQ(m.attachments[0].content_type, "application/pdf");
  EXPECT_EQ(m.attachments[0].data.size(), 1026u);
  EXPECT_EQ(m.attachments[0].data.substr(0, 8), "%PDF-1.4");
  EXPECT_FALSE(m.attachments[0].is_inline);
}

TEST(EmailMime, JapaneseIso2022JpBodyAndUtf8EncodedWords) {
  const auto m = fixture("mail__japanese_iso_2022.eml");
  EXPECT_EQ(m.subject, "まみむめも");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].name, "みける");
  EXPECT_EQ(m.text, "すみません。");
}

TEST(EmailMime, JapaneseShiftJisBody) {
  const auto m = fixture("mail__japanese_shift_jis.eml");
  EXPECT_EQ(m.text, "あいうえお\n\nこのメールはテスト用のメールです。\n\n今後ともよろしくお願い申し上げます！");
  EXPECT_EQ(m.message_id, "xxxxx@docomo.ne.jp");
  EXPECT_EQ(m.date_ms, 1401265099000);
}

TEST(EmailMime, ReferencesWithOneInvalidKeepTheValidOnesInOrder) {
  const auto m = fixture("mail__multiple_references_with_one_invalid.eml");
  EXPECT_EQ(m.references, (std::vector<std::string>{"foo@bar.net", "baz@bar.net"}));
  EXPECT_EQ(m.message_id, "105647271315.NCV17523@x263.net");
  EXPECT_EQ(m.to[0].address, "redacted@enron.com");  // the domain in lower case
  EXPECT_EQ(m.text, "foo");
  EXPECT_EQ(m.html, "<p>foo</p>\n");
}

TEST(EmailMime, ThunderbirdReplyThreads) {
  const auto m = fixture("mail__raw_email_reply.eml");
  EXPECT_EQ(m.subject, "Re: Test reply email");
  EXPECT_EQ(m.in_reply_to, "348F04F142D69C21-291E56D292BC@xxxx.net");
  EXPECT_EQ(m.references, (std::vector<std::string>{"473FF3B8.9020707@xxx.org", "348F04F142D69C21-291E56D292BC@xxxx.net"}));
  EXPECT_EQ(m.text, "Message body");
}

TEST(EmailMime, MboxFromLineAndIso2022JpEncodedWordsFoldedOverABlankLine) {
  const auto m = fixture("mail__rfc2822_example14.eml");
  EXPECT_EQ(m.subject, "Re: TEST テストテスト");
  EXPECT_EQ(m.from.address, "atsushi@example.com");
  EXPECT_EQ(m.reply_to.address, "rudeboyjet@gmail.com");
  EXPECT_EQ(m.in_reply_to, "rid_5582199198@msgid.example.com");
  EXPECT_EQ(m.text, "Hello");
}

TEST(EmailMime, Rfc6532Utf8Headers) {
  const auto m = fixture("mail__rfc6532_utf8_headers.eml");
  EXPECT_EQ(m.from.name, "Jöhn Doe");
  EXPECT_EQ(m.from.address, "jdöe@mächine.example");
  EXPECT_EQ(m.to[0].address, "märy@exämple.net");
  EXPECT_EQ(m.subject, "Säying Hello");
  EXPECT_EQ(m.text, "body");
}

TEST(EmailMime, NestedMultipartsInOrder) {
  const auto mixed = fixture("mailparser__mixed.eml");  // a header of Content-Type only
  EXPECT_TRUE(mixed.from.address.empty());
  EXPECT_EQ(mixed.text, "This e-mail message has been scanned for Viruses and Content and cleared\n\nGood Morning;");
  EXPECT_NE(mixed.html.find("<hr>"), std::string::npos);
  EXPECT_NE(mixed.html.find("Good Morning;"), std::string::npos);  // the plain part shown among the HTML
  const auto nested = fixture("mailparser__nested.eml");  // mixed > related > alternative, then alternative
  EXPECT_EQ(nested.text, "Dear Sir,\n\nGood evening.\n\nThe footer");
  EXPECT_NE(nested.html.find("<p>Dear Sir</p>"), std::string::npos);
  EXPECT_NE(nested.html.find("<p>The footer</p>"), std::string::npos);
}

TEST(EmailMime, Mime4jMalformedMailIsReadAsFarAsItGoes) {
  // No header at all: the whole text is the body, as mime4j's own test expects.
  const auto headerless = fixture("mime4j__malformedHeader-noheader.msg");
  EXPECT_EQ(headerless.text, "This is a simple message not having headers.\nThe whole text should be recognized as body.");
  EXPECT_EQ(headerless.new_text, headerless.text);
  EXPECT_TRUE(headerless.from.address.empty());
  EXPECT_TRUE(has_problem(headerless, "no header: the whole text read as the body"));
  EXPECT_FALSE(parse_mail("\r\n\r\n  \n").has_value());  // nothing readable at all
  const auto missing = fixture("mime4j__missing-boundary.msg");
  EXPECT_EQ(missing.text, "AAA");
  EXPECT_TRUE(has_problem(missing, "multipart/alternative without any part"));
  const auto obsolete = fixture("mime4j__obsolete.msg");
  EXPECT_EQ(obsolete.subject, "The obsolete syntax allow spaces before the colon and also empty lines in folding.");
  EXPECT_EQ(obsolete.date_ms, 0);
  EXPECT_EQ(obsolete.text, "body");
  EXPECT_TRUE(has_problem(obsolete, "unparseable Date: Malformed Date."));
  EXPECT_TRUE(has_problem(obsolete, "8-bit header: Inval\xEF\xBF\xBD" "d-Header"));
}

TEST(EmailMime, TalonRepliesSplitNewTextFromQuotedHistory) {
  const auto gmail = fixture("talon__gmail_reply.eml");
  EXPECT_EQ(gmail.new_text, "Hello");
  EXPECT_EQ(gmail.quoted, "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <xxx@gmail.com> wrote:\n\n> Hi");
  EXPECT_NE(gmail.html.find("<blockquote>\nHi\n"), std::string::npos) << gmail.html;
  const auto android = fixture("talon__android_reply.eml");  // base64 UTF-8, a Russian attribution on two lines
  EXPECT_EQ(android.new_text, "Hello");
  EXPECT_EQ(android.quoted, "02.04.2012 14:20 пользователь \"bob@xxx.mailgun.org\" <\nbob@xxx.mailgun.org> написал:\n\n> Hi\n>");
  EXPECT_TRUE(android.signature.empty());
}

TEST(EmailMime, CrlfAndLfGiveTheSameResult) {
  for (const auto& e : fs::directory_iterator(fixtures())) {
    const std::string raw = read(e.path());
    const auto lf = parse_mail(with_lf(raw)), crlf = parse_mail(with_crlf(raw));
    ASSERT_EQ(lf.has_value(), crlf.has_value()) << e.path();
    if (lf.has_value()) {
      EXPECT_EQ(dump(*lf), dump(*crlf)) << e.path();
    }
  }
}

// A bounce as Postfix sends one (RFC 3464), returning only the header of our message.
const std::string dsn =
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
    "To: support@switchboard.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    "Date: Tue, 3 Jun 2025 10:00:00 +0000\r\nMessage-Id: <20250603100000.1@mx.example.net>\r\n"
    "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n\r\n"
    "--B1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
    "--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.net\r\nArrival-Date: Tue, 3 Jun 2025 09:59:58 +0000\r\n\r\n"
    "Final-Recipient: rfc822; ana@example.org\r\nOriginal-Recipient: rfc822;Ana@Example.org\r\n"
    "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mail.example.org\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <ana@example.org>: Recipient address rejected:\r\n"
    "    User unknown in virtual mailbox table\r\n\r\n"
    "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    "From: Support <support@switchboard.example>\r\nTo: ana@example.org\r\nSubject: Re: order 42\r\n"
    "Message-ID: <c7.42.1717408798@switchboard.example>\r\n\r\n--B1--\r\n";

TEST(EmailMime, DeliveryStatusNotification) {
  const auto m = parse_mail(dsn);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->bounce && m->automatic && m->permanent_failure);
  EXPECT_EQ(m->bounced_message_id, "c7.42.1717408798@switchboard.example");
  EXPECT_EQ(m->bounced_recipient, "Ana@Example.org");  // as we wrote it (Original-Recipient)
  EXPECT_EQ(m->bounce_status, "5.1.1");
  EXPECT_EQ(m->bounce_reason, "550 5.1.1 <ana@example.org>: Recipient address rejected: User unknown in virtual mailbox table");
  EXPECT_EQ(m->text, "I'm sorry to have to inform you that your message could not be delivered.");

  std::string delayed = dsn;  // a delay: a bounce still, not a permanent failure
  delayed.replace(delayed.find("Action: failed"), 14, "Action: delayed");
  delayed.replace(delayed.find("Status: 5.1.1"), 13, "Status: 4.4.7");
  delayed.erase(delayed.find("Diagnostic-Code"), delayed.find("\r\n\r\n--B1\r\nContent-Type: text/rfc822") - delayed.find("Diagnostic-Code"));
  const auto d = parse_mail(delayed);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->bounce);
  EXPECT_FALSE(d->permanent_failure);
  EXPECT_EQ(d->bounce_reason, "delivery time expired");  // RFC 3463's words for X.4.7
}

std::string mail_with_header(const std::string& header, const std::string& subject = "Re: your order") {
  return "From: Ana <ana@example.org>\r\nTo: support@switchboard.example\r\nSubject: " + subject + "\r\n" + header +
         "\r\n\r\nI am away until Monday.\r\n";
}

TEST(EmailMime, AutoRepliesByEachHeader) {
  for (const std::string h : {"Auto-Submitted: auto-replied", "Auto-Submitted: auto-generated (vacation)", "Precedence: bulk",
                              "Precedence: list", "Precedence: junk", "X-Autoreply: yes", "X-Autorespond: vacation",
                              "X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: DR, OOF"}) {
    const auto m = parse_mail(mail_with_header(h));
    ASSERT_TRUE(m.has_value()) << h;
    EXPECT_TRUE(m->automatic) << h;
    EXPECT_EQ(m->automatic_reason, h);
    EXPECT_FALSE(m->bounce);
  }
  for (const std::string h : {"Auto-Submitted: no", "X-Auto-Response-Suppress: DR, RN", "Precedence: first-class"}) {
    EXPECT_FALSE(parse_mail(mail_with_header(h))->automatic) << h;
  }
  // A subject alone proves nothing: people write "Out of office" too.
  EXPECT_FALSE(parse_mail(mail_with_header("X-Mailer: Thunderbird", "Out of Office: back Monday"))->automatic);
}

TEST(EmailMime, ReadReceiptIsAutomaticNotABounce) {
  const auto m = parse_mail(
      "From: ana@example.org\r\nSubject: Read: order 42\r\n"
      "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n"
      "--b\r\nContent-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n--b--\r\n");
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->automatic);
  EXPECT_FALSE(m->bounce);
  EXPECT_EQ(m->text, "Your message was read.");
}

std::string with_attachments(int n, const std::string& body = "aGVsbG8gd29ybGQ=") {
  std::string m = "From: ana@example.org\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
                  "--x\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n";
  for (int i = 0; i < n; ++i) {
    m += "--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename*=UTF-8''..%2F..%2Fr%C3%A9sum%C3%A9" + std::to_string(i) + ".txt\r\n\r\n" + body + "\r\n";
  }
  return m + "--x--\r\n";
}

TEST(EmailMime, LimitsAreKeptAndNoted) {
  const auto two = parse_mail(with_attachments(2));
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->attachments.size(), 2u);
  EXPECT_EQ(two->attachments[1].filename, "résumé1.txt");  // RFC 2231, without the folders
  EXPECT_EQ(two->attachments[1].data, "hello world");

  mail_limits limits;
  limits.max_attachments = 3;
  const auto many = parse_mail(with_attachments(5), limits);
  EXPECT_EQ(many->attachments.size(), 3u);
  EXPECT_TRUE(has_problem(*many, "2 attachments over the limit of 3 dropped"));

  limits = {};
  limits.max_attachment_bytes = 10;
  const auto big = parse_mail(with_attachments(1), limits);
  EXPECT_TRUE(big->attachments.empty());
  EXPECT_TRUE(has_problem(*big, "of 11 bytes over the limit of 10 dropped"));

  limits = {};
  limits.max_parts = 3;
  const auto parts = parse_mail(with_attachments(5), limits);
  EXPECT_EQ(parts->attachments.size(), 1u);  // the multipart, its text, one attachment
  EXPECT_TRUE(has_problem(*parts, "more than 3 MIME parts"));

  limits = {};
  limits.max_parts = 1;  // GMime builds all parts first: lines that may open one are capped too
  const auto cut = parse_mail(with_attachments(10), limits);
  ASSERT_TRUE(cut.has_value());
  EXPECT_TRUE(has_problem(*cut, "more than 8 boundary lines: the rest cut"));

  limits = {};
  limits.max_bytes = 100;
  EXPECT_EQ(parse_mail(with_attachments(1), limits).error(), errc::bad_input);
}

std::string nested(int levels) {
  std::string m = "From: a@b.c\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n";
  for (int i = 1; i < levels; ++i) {
    m += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n";
  }
  return m + "--b" + std::to_string(levels - 1) + "\nContent-Type: text/plain\n\ndeep inside\n";
}

TEST(EmailMime, NestingIsBounded) {
  const auto shallow = parse_mail(nested(5));
  EXPECT_EQ(shallow->text, "deep inside");
  const auto deep = parse_mail(nested(30));
  EXPECT_TRUE(deep->text.empty());
  EXPECT_TRUE(has_problem(*deep, "MIME nesting deeper than 20"));
  EXPECT_TRUE(parse_mail(nested(20000)).has_value());  // GMime's own limit stops its recursion
}

TEST(EmailMime, RandomTruncatedAndMutatedBytesNeverCrash) {
  std::mt19937 rng(14);
  const std::vector<std::string> words{"From: a@b.c\r\n", "Content-Type: multipart/mixed; boundary=z\r\n", "\r\n", "--z\r\n",
                                       "--z--\r\n", "=?utf-8?B?w6k=?=", "=?x?Q?=FF?=", "<a href=javascript:x>", "\xFF\xFE",
                                       "Content-Transfer-Encoding: base64\r\n", "> quoted\r\n", "charset=iso-2022-jp"};
  for (int i = 0; i < 2000; ++i) {
    std::string raw;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) raw += rng() % 3 ? words[rng() % words.size()] : std::string(1, static_cast<char>(rng()));
    if (const auto m = parse_mail(raw); m.has_value()) {
      ASSERT_TRUE(is_utf8(dump(*m))) << i;
    }
  }
  for (const auto& e : fs::directory_iterator(fixtures())) {
    const std::string raw = read(e.path());
    for (std::size_t cut = 0; cut < raw.size(); cut += 7) {
      if (const auto m = parse_mail(raw.substr(0, cut)); m.has_value()) {
        ASSERT_TRUE(is_utf8(dump(*m))) << e.path() << cut;
      }
    }
    for (int k = 0; k < 50; ++k) {
      std::string mutated = raw;
      for (int j = 0; j < 4; ++j) mutated[rng() % mutated.size()] = static_cast<char>(rng());
      if (const auto m = parse_mail(mutated); m.has_value()) {
        ASSERT_TRUE(is_utf8(dump(*m))) << e.path();
      }
    }
  }
}

TEST(EmailMime, MessageIds) {
  EXPECT_EQ(message_ids("<a@b> (comment) <c@d>, <a@b>"), (std::vector<std::string>{"a@b", "c@d"}));
  EXPECT_EQ(message_ids("<broken <x@y>"), (std::vector<std::string>{"x@y"}));
  EXPECT_EQ(message_ids("<with space@y> <ok@y>"), (std::vector<std::string>{"ok@y"}));
  EXPECT_EQ(message_ids("bare@id.example, other@id"), (std::vector<std::string>{"bare@id.example", "other@id"}));
  EXPECT_TRUE(message_ids("<unterminated@x").empty());
}

TEST(EmailMime, CharsetsIntoUtf8) {
  std::string problem;
  EXPECT_EQ(to_utf8("caf\xE9", "ISO-8859-1", problem), "café");
  EXPECT_TRUE(problem.empty());
  EXPECT_EQ(to_utf8("\xF0\xD2\xC9\xD7\xC5\xD4", "koi8-r", problem), "Привет");
  EXPECT_EQ(to_utf8("Hi Mom -+Jjo--!", "utf-7", problem), "Hi Mom -☺-!");
  EXPECT_EQ(to_utf8("\x93quoted\x94", "", problem), "“quoted”");  // no charset, not UTF-8: windows-1252
  EXPECT_EQ(problem, "8-bit text without a charset: read as windows-1252");
  EXPECT_EQ(to_utf8("caf\xC3\xA9", "x-unknown-charset", problem), "café");
  EXPECT_EQ(problem, "unknown charset 'x-unknown-charset'");
  EXPECT_EQ(to_utf8("a\xFF", "utf-8", problem), "a\xEF\xBF\xBD");
  EXPECT_EQ(unflow("> one \n> two\nthree \nfour\n-- \nsig", false), "> one two\nthree four\n-- \nsig");
}

TEST(EmailHtml, SanitiserKeepsTheAllowlistOnly) {
  const std::pair<std::string, std::string> cases[] = {
      {"<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"},
      {"<img src=\"https://x.example/a.png\" onerror=\"alert(1)\">", "<img src=\"https://x.example/a.png\">"},
      {"<img src=x onerror=alert(1)>", "<img>"},
      {"<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\" JaVa\tScRiPt:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"javascript&colon;alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"&#106;avascript:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", "<a>x</a>"},
      {"<a href=\"https://x.example/?a=1&amp;b=&quot;2\" onclick=\"f()\">x</a>",
       "<a href=\"https://x.example/?a=1&amp;b=&quot;2\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">x</a>"},
      {"<style>p{color:red}</style><p style=\"position:fixed\" class=\"c\">x</p>", "<p>x</p>"},
      {"<iframe src=\"https://evil\"><b>no</b></iframe><object><p>no</p></object><svg><script>x</script></svg>ok", "ok"},
      {"<!-- <script>alert(1)</script> -->a<!--[if mso]><p>x</p><![endif]-->b", "ab"},
      {"<img src=\"data:image/png;base64,iVBO\"><img src=\"data:image/svg+xml,<svg onload=x>\"><img src=\"cid:logo@x\">",
       "<img src=\"data:image/png;base64,iVBO\"><img><img src=\"cid:logo@x\">"},
      {"<b><i>unclosed", "<b><i>unclosed</i></b>"},
      {"a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"},
      {"<table><tr><td><table><tr><td>inner</td></tr></table></td></tr></table>",
       "<table><tr><td><table><tr><td>inner</td></tr></table></td></tr></table>"},
      {"<html><head><title>T</title><meta charset=utf-8></head><body><p>x</body></html>", "<p>x</p>"},
      {"<script>never closed <p>x</p>", ""},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(sanitize_html(in), out) << in;
}

TEST(EmailHtml, TextRendering) {
  EXPECT_EQ(html_to_text("<p>Hello&nbsp;<b>world</b> &amp; &lt;you&gt; &eacute;&#233;&#x1F600;</p><p>Second</p>").text,
            "Hello world & <you> éé\xF0\x9F\x98\x80\n\nSecond");
  EXPECT_EQ(html_to_text("one<br>two<br><br>three").text, "one\ntwo\n\nthree");
  EXPECT_EQ(html_to_text("<ul><li>a</li><li>b<ol><li>c</li><li>d</li></ol></li></ul>").text, "- a\n- b\n  1. c\n  2. d");
  EXPECT_EQ(html_to_text("<a href=\"https://x.example/p\">the page</a>, <a href=\"https://x.example/\">https://x.example/</a>, "
                         "<a href=\"mailto:a@b.c\">a@b.c</a>, <a href=\"mailto:a@b.c?subject=x\">Ana</a>").text,
            "the page (https://x.example/p), https://x.example/, a@b.c, Ana (a@b.c)");
  EXPECT_EQ(html_to_text("<table><tr><td>a</td><td><table><tr><td>b</td><td>c</td></tr></table></td></tr><tr><td>d</td></tr></table>").text,
            "a\nb c\nd");
  EXPECT_EQ(html_to_text("<pre>  keep\n    this</pre>after   the   pre").text, "  keep\n    this\n\nafter the pre");
  EXPECT_EQ(html_to_text("<style>p{}</style><script>x</script>visible").text, "visible");
}

TEST(EmailHtml, QuotesAndSignaturesOfHtmlMail) {
  const auto g = html_to_text("<div dir=\"ltr\">Thanks!<div class=\"gmail_signature\">Ana</div></div><br>"
                              "<div class=\"gmail_quote\"><div class=\"gmail_attr\">On Mon, Bob wrote:<br></div>"
                              "<blockquote class=\"gmail_quote\">old text</blockquote></div>", true);
  EXPECT_EQ(g.text, "Thanks!");
  EXPECT_EQ(g.signature, "Ana");
  EXPECT_EQ(g.quoted, "On Mon, Bob wrote:\n\nold text");
  const auto o = html_to_text("<p>Done.</p><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> Bob</div>"
                              "<div>older</div>", true);
  EXPECT_EQ(o.text, "Done.");
  EXPECT_EQ(o.quoted, "From: Bob\nolder");
  EXPECT_EQ(html_to_text("<p>a</p><blockquote>b</blockquote>").text, "a\n\nb");  // not split unless asked

  const auto m = parse_mail("From: ana@example.org\r\nSubject: Re: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                            "<p>Yes, please.</p><p>On Tue, 3 Jun 2025 at 10:00, Support &lt;s@x.example&gt; wrote:</p>"
                            "<blockquote type=\"cite\"><p>Shall we ship it?</p></blockquote>");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->text, "Yes, please.\n\nOn Tue, 3 Jun 2025 at 10:00, Support <s@x.example> wrote:\n\nShall we ship it?");
  EXPECT_EQ(m->new_text, "Yes, please.");
  EXPECT_EQ(m->quoted, "On Tue, 3 Jun 2025 at 10:00, Support <s@x.example> wrote:\n\nShall we ship it?");
}

TEST(EmailQuotes, AttributionsInManyForms) {
  const std::string quote = "\n\n> old\n> text\n";
  for (const std::string a : {"On Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@x.com> wrote:",
                              "On Mon, Apr 2, 2012 at 6:26 PM, Megan One\n<m@x.com> wrote:",
                              "On 2 Apr 2012, at 18:26,\nMegan One\n<m@x.com> wrote:",
                              "Le lun. 2 avr. 2012 à 18:26, Megan <m@x.com> a écrit :",
                              "Am 02.04.2012 um 18:26 schrieb Megan <m@x.com>:",
                              "El lun., 2 abr. 2012 a las 18:26, Megan (<m@x.com>) escribió:",
                              "Op ma 2 apr. 2012 om 18:26 schreef Megan <m@x.com>:",
                              "02.04.2012 18:26 пользователь \"m@x.com\" написал:"}) {
    const auto r = split_reply("Thanks, that works.\n\n" + a + quote);
    EXPECT_EQ(r.new_text, "Thanks, that works.") << a;
    EXPECT_EQ(r.quoted, a + "\n\n> old\n> text") << a;
  }
}

TEST(EmailQuotes, OutlookSignaturesAndWhatIsNotCut) {
  auto r = split_reply("Fine.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nTo: Ana\nSubject: x\n\nold");
  EXPECT_EQ(r.new_text, "Fine.");
  EXPECT_EQ(r.quoted.rfind("-----Original Message-----", 0), 0u);
  r = split_reply("Fine.\n\n________________________________\nFrom: Bob <b@x.com>\nSent: Monday, 2 June\nTo: Ana\nSubject: x\n\nold");
  EXPECT_EQ(r.new_text, "Fine.");
  r = split_reply("Fine.\n\n*From:* Bob\n*Sent:* Monday\n*To:* Ana\nold");
  EXPECT_EQ(r.new_text, "Fine.");
  r = split_reply("Hi,\nsee you.\n\n-- \nAna Diaz\nACME\n\nOn Mon, Bob <b@x> wrote:\n> q\n> q");
  EXPECT_EQ(r.new_text, "Hi,\nsee you.");
  EXPECT_EQ(r.signature, "-- \nAna Diaz\nACME");
  EXPECT_EQ(split_reply("ok\n--\nAna").signature, "--\nAna");
  r = split_reply("On my way.\n\nSent from my iPhone\n\nOn 2 Jun 2025, at 10:00, Bob <b@x> wrote:\n\n> q");
  EXPECT_EQ(r.new_text, "On my way.");
  EXPECT_EQ(r.signature, "Sent from my iPhone");
  r = split_reply("> a question\nmy answer\n> another\nanother answer");  // inline answers: kept whole
  EXPECT_EQ(r.new_text, "> a question\nmy answer\n> another\nanother answer");
  r = split_reply("> q one\n> q two\n\nmy answer below");
  EXPECT_EQ(r.new_text, "my answer below");
  EXPECT_EQ(r.quoted, "> q one\n> q two");
  const std::string fwd = "FYI\n\n---------- Forwarded message ---------\nFrom: X <x@y>\nDate: Mon\nSubject: s\nTo: t\n\nbody";
  EXPECT_EQ(split_reply(fwd).new_text, fwd);
  EXPECT_EQ(split_reply("Here is what I wrote:\nthe plan").new_text, "Here is what I wrote:\nthe plan");
  EXPECT_EQ(split_reply("I wrote this on 2 June at 5 pm:\nthe plan").new_text, "I wrote this on 2 June at 5 pm:\nthe plan");
  EXPECT_EQ(split_reply("").new_text, "");
}

}  // namespace
}  // namespace switchboard::channels::email
