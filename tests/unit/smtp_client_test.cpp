// The SMTP client's state machine (channels/email/smtp_client.hpp) against scripted servers, and
// the mail an agent's reply becomes (channels/email/compose.hpp), read back by our own parser.
#include "channels/email/compose.hpp"
#include "channels/email/dkim.hpp"
#include "channels/email/mime.hpp"
#include "channels/email/smtp_client.hpp"

#include <gtest/gtest.h>

namespace switchboard::channels::email {
namespace {

smtp_envelope envelope() {
  smtp_envelope e;
  e.mail_from = "support@example.com";
  e.recipients = {"ana@x.org"};
  e.data = "Subject: hi\r\n\r\nline one\r\n.hidden dot\r\n";
  return e;
}

TEST(SmtpClient, StartTlsAuthAndOneMessage) {
  smtp_client c({"mx.example.com", true, false, "user", "pass"}, envelope());
  EXPECT_EQ(c.feed("220 relay ESMTP\r\n").send, "EHLO mx.example.com\r\n");
  // A multi-line reply, cut anywhere.
  EXPECT_EQ(c.feed("250-relay\r\n250-STARTTLS\r").send, "");
  EXPECT_EQ(c.feed("\n250 AUTH PLAIN LOGIN\r\n").send, "STARTTLS\r\n");
  auto s = c.feed("220 go ahead\r\n");
  EXPECT_TRUE(s.start_tls);
  EXPECT_EQ(c.tls_started().send, "EHLO mx.example.com\r\n");
  EXPECT_EQ(c.feed("250-relay\r\n250 AUTH PLAIN LOGIN\r\n").send, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n");  // \0user\0pass
  EXPECT_EQ(c.feed("235 2.7.0 ok\r\n").send, "MAIL FROM:<support@example.com>\r\n");
  EXPECT_EQ(c.feed("250 ok\r\n").send, "RCPT TO:<ana@x.org>\r\n");
  EXPECT_EQ(c.feed("250 ok\r\n").send, "DATA\r\n");
  EXPECT_EQ(c.feed("354 go\r\n").send, "Subject: hi\r\n\r\nline one\r\n..hidden dot\r\n.\r\n");  // dot-stuffed
  s = c.feed("250 2.0.0 queued as 42\r\n");
  EXPECT_EQ(s.verdict, smtp_verdict::sent);
  EXPECT_EQ(s.reason, "250 2.0.0 queued as 42");
  EXPECT_EQ(s.send, "QUIT\r\n");
}

TEST(SmtpClient, StartTlsWhenOfferedElseInTheClear) {
  smtp_client_options o{"mx.example.com", false, false, "", ""};
  o.starttls_when_offered = true;
  smtp_client offered(o, envelope());
  offered.feed("220 mx ESMTP\r\n");
  EXPECT_EQ(offered.feed("250-mx\r\n250 STARTTLS\r\n").send, "STARTTLS\r\n");
  EXPECT_TRUE(offered.feed("220 go ahead\r\n").start_tls);
  EXPECT_EQ(offered.tls_started().send, "EHLO mx.example.com\r\n");
  EXPECT_EQ(offered.feed("250-mx\r\n250 STARTTLS\r\n").send, "MAIL FROM:<support@example.com>\r\n");  // once
  smtp_client not_offered(o, envelope());
  not_offered.feed("220 mx ESMTP\r\n");
  EXPECT_EQ(not_offered.feed("250-mx\r\n250 8BITMIME\r\n").send, "MAIL FROM:<support@example.com>\r\n");
  smtp_client refused(o, envelope());
  refused.feed("220 mx ESMTP\r\n");
  EXPECT_EQ(refused.feed("250-mx\r\n250 STARTTLS\r\n").send, "STARTTLS\r\n");
  EXPECT_EQ(refused.feed("454 4.7.0 TLS not available\r\n").send, "MAIL FROM:<support@example.com>\r\n");
  // Required, the same refusal fails the delivery.
  smtp_client required({"mx.example.com", true, false, "", ""}, envelope());
  required.feed("220 mx ESMTP\r\n");
  required.feed("250-mx\r\n250 STARTTLS\r\n");
  EXPECT_EQ(required.feed("454 4.7.0 TLS not available\r\n").verdict, smtp_verdict::temporary);
}

TEST(SmtpClient, AuthLoginWhenPlainIsNotOffered) {
  smtp_client c({"h", false, true, "user", "pass"}, envelope());
  c.feed("220 x\r\n");
  EXPECT_EQ(c.feed("250-x\r\n250 AUTH LOGIN\r\n").send, "AUTH LOGIN\r\n");
  EXPECT_EQ(c.feed("334 VXNlcm5hbWU6\r\n").send, "dXNlcg==\r\n");
  EXPECT_EQ(c.feed("334 UGFzc3dvcmQ6\r\n").send, "cGFzcw==\r\n");
  EXPECT_EQ(c.feed("235 ok\r\n").send, "MAIL FROM:<support@example.com>\r\n");
}

TEST(SmtpClient, FourHundredsAreTemporaryFiveHundredsPermanent) {
  const auto run = [](std::vector<std::string> replies, smtp_client_options o = {"h", false, false, "", ""}) {
    smtp_client c(o, envelope());
    smtp_client_step s;
    for (const auto& r : replies) {
      s = c.feed(r);
      if (s.verdict != smtp_verdict::pending) break;
    }
    return s;
  };
  EXPECT_EQ(run({"220 x\r\n", "250 x\r\n", "451 4.3.0 try later\r\n"}).verdict, smtp_verdict::temporary);
  auto s = run({"220 x\r\n", "250 x\r\n", "250 ok\r\n", "550 5.1.1 no such user\r\n"});
  EXPECT_EQ(s.verdict, smtp_verdict::permanent);
  EXPECT_EQ(s.reason, "550 5.1.1 no such user");
  EXPECT_EQ(run({"220 x\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "552 5.3.4 too big\r\n"}).verdict,
            smtp_verdict::permanent);
  EXPECT_EQ(run({"554 no service\r\n"}).verdict, smtp_verdict::permanent);
  EXPECT_EQ(run({"421 busy\r\n"}).verdict, smtp_verdict::temporary);
  EXPECT_EQ(run({"hello there\r\n"}).verdict, smtp_verdict::temporary);  // not SMTP
  // STARTTLS required and not offered; a password never goes in the clear.
  EXPECT_EQ(run({"220 x\r\n", "250 x\r\n"}, {"h", true, false, "", ""}).verdict, smtp_verdict::permanent);
  EXPECT_EQ(run({"220 x\r\n", "250-x\r\n250 AUTH PLAIN\r\n"}, {"h", false, false, "u", "p"}).verdict, smtp_verdict::permanent);
  // The connection lost mid-way: try again.
  smtp_client c({"h", false, false, "", ""}, envelope());
  c.feed("220 x\r\n");
  EXPECT_EQ(c.lost("reset").verdict, smtp_verdict::temporary);
}

TEST(SmtpClient, ANonAsciiAddressNeedsSmtpUtf8) {
  smtp_envelope e = envelope();
  e.recipients = {"jörg@example.de"};
  smtp_client refused({"h", false, false, "", ""}, e);
  refused.feed("220 x\r\n");
  EXPECT_EQ(refused.feed("250 x\r\n").verdict, smtp_verdict::permanent);
  smtp_client taken({"h", false, false, "", ""}, e);
  taken.feed("220 x\r\n");
  EXPECT_EQ(taken.feed("250-x\r\n250 SMTPUTF8\r\n").send, "MAIL FROM:<support@example.com> SMTPUTF8\r\n");
}

outgoing_mail reply() {
  outgoing_mail m;
  m.from_name = "Ana at Example Support";
  m.from_address = "support@example.com";
  m.reply_to = "support+01abc.0123456789abcdef@example.com";
  m.to_name = "Jörg Müller";
  m.to_address = "jorg@x.de";
  m.subject = reply_subject("Bestellung 1234 — nicht angekommen");
  m.message_id = "sb.01abc.3.0123456789abcdef@mx.example.com";
  m.in_reply_to = "cust-2@x.de";
  m.references = {"cust-1@x.de", "sb.01abc.2.aaaa@mx.example.com", "cust-2@x.de"};
  m.date_ms = 1'764'583'200'000;
  m.body = "Hallo Jörg,\nyour parcel left today.\n.\nAna";
  m.quoted_who = "Jörg Müller <jorg@x.de>";
  m.quoted_date_ms = 1'764'580'000'000;
  m.quoted_text = "Where is it?\n> an older quote";
  static constexpr char kPdf[] = "%PDF-1.4\0\x01\xff binary";  // bytes a text part could not carry
  m.attachments.push_back({"Rechnung März.pdf", "application/pdf", std::string(kPdf, sizeof kPdf - 1)});
  return m;
}

TEST(ComposeMail, ReadsBackAsItWasMeantAndIsTheSameEachTime) {
  const outgoing_mail m = reply();
  const std::string raw = compose_mail(m);
  EXPECT_EQ(raw, compose_mail(m));  // a retry sends the same bytes
  EXPECT_EQ(raw.find("\n"), raw.find("\r\n") + 1);  // CRLF
  for (char c : raw) ASSERT_LT(static_cast<unsigned char>(c), 0x80) << "7-bit clean: RFC 2047 words, QP and base64";
  auto p = parse_mail(raw);
  ASSERT_TRUE(p) << raw;
  EXPECT_EQ(p->message_id, m.message_id);
  EXPECT_EQ(p->in_reply_to, "cust-2@x.de");
  EXPECT_EQ(p->references, m.references);
  EXPECT_EQ(p->from.address, "support@example.com");
  EXPECT_EQ(p->from.name, "Ana at Example Support");
  EXPECT_EQ(p->reply_to.address, m.reply_to);
  ASSERT_EQ(p->to.size(), 1u);
  EXPECT_EQ(p->to[0].name, "Jörg Müller");
  EXPECT_EQ(p->subject, "Re: Bestellung 1234 — nicht angekommen");
  EXPECT_EQ(p->date_ms, m.date_ms);
  EXPECT_EQ(p->new_text, "Hallo Jörg,\nyour parcel left today.\n.\nAna");
  EXPECT_NE(p->quoted.find("Jörg Müller <jorg@x.de> wrote:"), std::string::npos) << p->quoted;
  EXPECT_NE(p->quoted.find("> Where is it?"), std::string::npos) << p->quoted;
  EXPECT_NE(p->quoted.find(">> an older quote"), std::string::npos) << p->quoted;
  ASSERT_EQ(p->attachments.size(), 1u);
  EXPECT_EQ(p->attachments[0].filename, "Rechnung März.pdf");
  EXPECT_EQ(p->attachments[0].content_type, "application/pdf");
  EXPECT_EQ(p->attachments[0].data, m.attachments[0].data);
}

TEST(ComposeMail, ReplySubject) {
  EXPECT_EQ(reply_subject("Order 1234"), "Re: Order 1234");
  EXPECT_EQ(reply_subject("Re: Order 1234"), "Re: Order 1234");
  EXPECT_EQ(reply_subject("AW: Bestellung"), "AW: Bestellung");
  EXPECT_EQ(reply_subject("Fwd: Order"), "Re: Fwd: Order");
  EXPECT_EQ(reply_subject("  "), "Re: your message");
}

// RFC 6376 §3.4.5's example of relaxed canonicalisation, and what it says of empty bodies.
TEST(Dkim, RelaxedCanonicalisationAsTheRfcShowsIt) {
  EXPECT_EQ(dkim_relaxed_header("A", " X"), "a:X\r\n");
  EXPECT_EQ(dkim_relaxed_header("B ", " Y\t\r\n\tZ  "), "b:Y Z\r\n");
  EXPECT_EQ(dkim_relaxed_body(" C \r\nD \t E\r\n\r\n\r\n"), " C\r\nD E\r\n");
  EXPECT_EQ(dkim_relaxed_body(""), "");
  EXPECT_EQ(dkim_relaxed_body("\r\n\r\n"), "");
  EXPECT_EQ(dkim_relaxed_body("x"), "x\r\n");
}

TEST(Dkim, ASignatureHeaderNamesWhatItSigned) {
  EXPECT_FALSE(dkim_signer::make("example.com", "sb", "not a key"));
  // A 1024-bit test key made for this test only (openssl genrsa 1024).
  const char* pem =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAJ8qFVkdfjqNasKL\n"
      "OmtM97IGQv9e35fD3Nl98t5hvNoN6vjBLJ/qWzbYpYpnn87v6a+1NEh0O5C+H4pj\n"
      "FvTUdbkHttHc3lmQ6dZf6uAo5owC2S12EYG/6ZZaLxXsAHtcUP04gD1fvV4lZ4BX\n"
      "XWpY1X0m/nB8qqefq4g3zHdvR95tAgMBAAECgYB/tD1StiY8hpDdLOafhy7KCNoi\n"
      "mZWe6Ei/vJ1sLlFfR4F7O0s5t8id1e/kf8YqPDZsg2BCrffI57LYzy5xHDKjEe7K\n"
      "5mf24by4kkVGfBDqGy4SYRhhldtX96O+DZXBWG8uooXM3cSkg0tWJSHJaoOXi34+\n"
      "FoyNh4IpDHdEoq6LxQJBAM+4iuS4LvCAyOTQur0ddNbsC3xbcPjWgZBF87dvjxez\n"
      "MF9p1TB2dKF0fvEvtA7ttoVYB97tlaanL/Z0LNECe4MCQQDEKGozn45ebzlywh7B\n"
      "INWkJeRKclOt5577Ie+SR9ofSr5MKXhYZhB1dNsU8XY3xSudAuq8xuY5YUWXXWDp\n"
      "TGtPAkANiKqUCGQWi22LawYfuEGalzqQWazcqa07ZzNf6kbadnRaYxze0Xj75Ak5\n"
      "UbBboKVZvsiUf8pWV2JKnnslCxJdAkBXM1gy5sVVecBiIaWmWUBgHnAkIDrO3l6w\n"
      "aV+k+cgfjQyXsv/K3GSIspAJ+WWCWWaQABH2Jb2G2JUlOt+wFsbFAkAn/3URphBl\n"
      "tPO96SXVQPODTAfYXUF5OVJPfiwdkF/O4R6AkI+5UM3NnfWuzVhjJA8Lt7ZWx70v\n"
      "CwQFFjNSrQLx\n"
      "-----END PRIVATE KEY-----\n";
  auto signer = dkim_signer::make("example.com", "sb", pem);
  ASSERT_TRUE(signer);
  const std::string mail = compose_mail(reply());
  const std::string sig = signer->sign(mail, 1'764'583'200);
  EXPECT_TRUE(sig.starts_with("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sb; t=1764583200;"));
  EXPECT_NE(sig.find("h=from:reply-to:to:subject:date:message-id:in-reply-to:references:mime-version:content-type;"),
            std::string::npos) << sig;
  EXPECT_TRUE(sig.ends_with("\r\n"));
  EXPECT_EQ(sig, signer->sign(mail, 1'764'583'200));  // PKCS#1 v1.5: the same mail signs the same
}

}  // namespace
}  // namespace switchboard::channels::email
