// The SMTP server's state machine (channels/email/smtp_session.hpp), with no sockets: what a
// client writes in, the replies and actions out, whole or one byte at a time.
#include "channels/email/smtp_session.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchboard::channels::email {
namespace {

smtp_options inbox_options() {
  smtp_options o;
  o.hostname = "mx.example.test";
  o.accepts = [](std::string_view a) { return a == "support@example.test" || a.starts_with("support+"); };
  o.limits.max_message_bytes = 1000;
  o.limits.max_recipients = 2;
  return o;
}

// Everything the session answers to `input` fed in one piece, storing each message as "id1", "id2"…
struct transcript {
  std::string replies;
  std::vector<smtp_message> messages;
  bool closed = false;
  bool tls = false;
};

void take(smtp_session& s, smtp_step step, transcript& t) {
  while (true) {
    t.replies += step.reply;
    if (step.close) t.closed = true;
    if (step.start_tls) t.tls = true;
    if (!step.message) return;
    t.messages.push_back(std::move(*step.message));
    step = s.stored(true, false, "id" + std::to_string(t.messages.size()));
  }
}

transcript run(smtp_session& s, std::string_view input, bool byte_by_byte = false) {
  transcript t;
  if (!byte_by_byte) {
    take(s, s.feed(input), t);
  } else {
    for (char c : input) take(s, s.feed(std::string_view(&c, 1)), t);
  }
  return t;
}

const std::string kSession =
    "EHLO client.example.org\r\n"
    "MAIL FROM:<jo@example.org>\r\n"
    "RCPT TO:<support@example.test>\r\n"
    "DATA\r\n"
    "Subject: hi\r\n"
    "\r\n"
    "..a line that began with a dot\r\n"
    "bare\nline feeds\n.\nare data\r\n"
    "a smuggled end\n.\r\nMAIL FROM:<evil@example.net>\r\n"
    ".\r\n"
    "QUIT\r\n";

TEST(SmtpSession, APipelinedTransactionIsAnsweredInOrderAndStoredBeforeItsReply) {
  smtp_session s(inbox_options());
  EXPECT_EQ(s.greeting(), "220 mx.example.test ESMTP Switchboard\r\n");
  transcript t = run(s, kSession);
  EXPECT_EQ(t.replies,
            "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
            "250 ENHANCEDSTATUSCODES\r\n"
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
            "250 2.0.0 Ok: queued as id1\r\n221 2.0.0 Bye\r\n");
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_EQ(t.messages[0].helo, "client.example.org");
  EXPECT_EQ(t.messages[0].mail_from, "jo@example.org");
  EXPECT_EQ(t.messages[0].recipients, std::vector<std::string>{"support@example.test"});
  // Dots unstuffed; a bare LF, even around a dot, is data (only CRLF.CRLF ends a message: no smuggling).
  EXPECT_EQ(t.messages[0].data, "Subject: hi\r\n\r\n.a line that began with a dot\r\nbare\nline feeds\n.\nare data\r\n"
            "a smuggled end\n.\r\nMAIL FROM:<evil@example.net>\r\n");
  EXPECT_TRUE(t.closed);
}

TEST(SmtpSession, OneByteAtATimeIsTheSameConversation) {
  smtp_session whole(inbox_options());
  smtp_session bytes(inbox_options());
  transcript a = run(whole, kSession);
  transcript b = run(bytes, kSession, true);
  EXPECT_EQ(a.replies, b.replies);
  ASSERT_EQ(b.messages.size(), 1u);
  EXPECT_EQ(a.messages[0].data, b.messages[0].data);
}

TEST(SmtpSession, InputAfterAMessageWaitsUntilItIsStored) {
  smtp_session s(inbox_options());
  smtp_step step = s.feed("HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<support@example.test>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n");
  ASSERT_TRUE(step.message);
  EXPECT_EQ(step.message->mail_from, "");  // a bounce's null reverse path is taken
  EXPECT_EQ(step.reply.find("NOOP"), std::string::npos);
  EXPECT_TRUE(s.feed("NOOP\r\n").reply.empty());  // still storing
  smtp_step after = s.stored(false, true, "storage unavailable");
  EXPECT_EQ(after.reply, "451 4.3.0 Error: storage unavailable, try again later\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
  EXPECT_FALSE(after.message);
}

TEST(SmtpSession, NeverARelay) {
  smtp_session s(inbox_options());
  transcript t = run(s, "EHLO c\r\nMAIL FROM:<spam@example.net>\r\nRCPT TO:<victim@elsewhere.example>\r\nDATA\r\n");
  EXPECT_NE(t.replies.find("550 5.7.1 <victim@elsewhere.example>: Recipient address rejected"), std::string::npos);
  EXPECT_NE(t.replies.find("554 5.5.1 Error: no valid recipients\r\n"), std::string::npos);
  EXPECT_TRUE(t.messages.empty());
  EXPECT_FALSE(s.in_data());
}

TEST(SmtpSession, CommandsOutOfOrderAreRefusedAndChangeNothing) {
  smtp_session s(inbox_options());
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c>\r\n").reply, "503 5.5.1 Error: send HELO/EHLO first\r\n");
  s.feed("EHLO c\r\n");
  EXPECT_EQ(s.feed("RCPT TO:<support@example.test>\r\n").reply, "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(s.feed("DATA\r\n").reply, "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c>\r\n").reply, "250 2.1.0 Ok\r\n");
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c>\r\n").reply, "503 5.5.1 Error: nested MAIL command\r\n");
  EXPECT_EQ(s.feed("RSET\r\n").reply, "250 2.0.0 Ok\r\n");
  EXPECT_EQ(s.feed("RCPT TO:<support@example.test>\r\n").reply, "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c> BODY=9BIT\r\n").reply, "555 5.5.4 Unsupported option\r\n");
  EXPECT_EQ(s.feed("mail from:<a@b.c> body=8bitmime smtputf8\r\n").reply, "250 2.1.0 Ok\r\n");
  EXPECT_EQ(s.feed("VRFY support\r\n").reply.substr(0, 4), "252 ");
  EXPECT_EQ(s.feed("EXPN staff\r\n").reply, "502 5.5.1 Error: command not implemented\r\n");
  EXPECT_EQ(s.feed("STARTTLS\r\n").reply, "502 5.5.1 Error: command not implemented\r\n");  // no certificate
  EXPECT_EQ(s.feed("HELLO\r\n").reply, "500 5.5.2 Error: command not recognized\r\n");
}

TEST(SmtpSession, SizeAndRecipientLimits) {
  smtp_session s(inbox_options());
  s.feed("EHLO c\r\n");
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c> SIZE=1001\r\n").reply, "552 5.3.4 Message size exceeds fixed limit\r\n");
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c> SIZE=12x\r\n").reply, "501 5.5.4 Bad SIZE parameter\r\n");
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c> SIZE=900\r\n").reply, "250 2.1.0 Ok\r\n");
  EXPECT_EQ(s.feed("RCPT TO:<support@example.test>\r\nRCPT TO:<support+t1@example.test>\r\nRCPT TO:<support+t2@example.test>\r\n").reply,
            "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n452 4.5.3 Error: too many recipients\r\n");
  // A message over the limit is read to its end, then refused whole; the session goes on.
  transcript t = run(s, "DATA\r\n" + std::string(600, 'a') + "\r\n" + std::string(600, 'b') + "\r\n.\r\nNOOP\r\n");
  EXPECT_EQ(t.replies, "354 End data with <CR><LF>.<CR><LF>\r\n552 5.3.4 Error: message too large\r\n250 2.0.0 Ok\r\n");
  EXPECT_TRUE(t.messages.empty());
  EXPECT_EQ(s.feed("RCPT TO:<support@example.test>\r\n").reply, "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SmtpSession, ALineLongerThanAChunkPassesWhole) {
  smtp_options o = inbox_options();
  o.limits.max_message_bytes = 1 << 20;
  smtp_session s(o);
  const std::string line = "." + std::string(200'000, 'x');
  transcript t = run(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<support@example.test>\r\nDATA\r\n" + line + "\r\n.\r\n");
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_EQ(t.messages[0].data, line.substr(1) + "\r\n");
}

TEST(SmtpSession, StartTlsThrowsAwayWhatWasPipelinedAndStartsOver) {
  smtp_options o = inbox_options();
  o.tls_available = true;
  o.tls_required = true;
  smtp_session s(o);
  transcript before = run(s, "EHLO c\r\nMAIL FROM:<a@b.c>\r\nSTARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n");
  EXPECT_NE(before.replies.find("250-STARTTLS\r\n"), std::string::npos);
  EXPECT_NE(before.replies.find("530 5.7.0 Must issue a STARTTLS command first\r\n"), std::string::npos);
  EXPECT_TRUE(before.tls);
  EXPECT_TRUE(before.replies.ends_with("220 2.0.0 Ready to start TLS\r\n"));  // the MAIL after it: never answered
  EXPECT_TRUE(s.feed("NOOP\r\n").reply.empty());  // nothing until the handshake is done
  s.tls_started();
  EXPECT_TRUE(s.tls());
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c>\r\n").reply, "503 5.5.1 Error: send HELO/EHLO first\r\n");  // the injected command is gone too
  const std::string ehlo = s.feed("EHLO c\r\n").reply;
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(s.feed("MAIL FROM:<a@b.c>\r\n").reply, "250 2.1.0 Ok\r\n");
  EXPECT_EQ(s.feed("STARTTLS\r\n").reply, "503 5.5.1 Error: TLS already active\r\n");
  transcript t = run(s, "RCPT TO:<support@example.test>\r\nDATA\r\nhi\r\n.\r\n");
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_TRUE(t.messages[0].tls);
}

TEST(SmtpSession, TooManyErrorsAndSilenceCloseLongLinesAreRefused) {
  smtp_session s(inbox_options());
  std::string junk;
  for (int i = 0; i < 12; ++i) junk += "x\r\n";
  transcript t = run(s, junk);
  EXPECT_NE(t.replies.find("421 4.7.0 mx.example.test Error: too many errors\r\n"), std::string::npos);
  EXPECT_TRUE(t.closed);
  EXPECT_TRUE(s.feed("NOOP\r\n").reply.empty());

  smtp_session longs(inbox_options());  // not kept whole: refused when it ends, and the session goes on
  EXPECT_EQ(longs.feed(std::string(5000, 'a')).reply, "");
  EXPECT_EQ(longs.feed(std::string(5000, 'a') + "\r\nNOOP\r\n").reply, "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
  EXPECT_EQ(longs.feed(std::string(4097, 'b') + "\r\n").reply, "500 5.5.2 Error: line too long\r\n");
  smtp_step step;

  smtp_session quiet(inbox_options());
  step = quiet.timed_out();
  EXPECT_EQ(step.reply, "421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
  EXPECT_TRUE(step.close);
}

TEST(SmtpSession, APermanentStoreFailureIs554) {
  smtp_session s(inbox_options());
  smtp_step step = s.feed("HELO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<support@example.test>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_TRUE(step.message);
  EXPECT_EQ(s.stored(false, false, "no usable header").reply, "554 5.3.0 Error: no usable header\r\n");
}

TEST(SmtpPath, AddressesAsClientsWriteThem) {
  std::string_view rest;
  EXPECT_EQ(smtp_path("<jo@example.org>", rest), "jo@example.org");
  EXPECT_EQ(smtp_path(" <jo@example.org> SIZE=10", rest), "jo@example.org");
  EXPECT_EQ(rest, " SIZE=10");
  EXPECT_EQ(smtp_path("<@relay.example,@b.example:jo@example.org>", rest), "jo@example.org");
  EXPECT_EQ(smtp_path("<\"odd >name\"@example.org>", rest), "\"odd >name\"@example.org");
  EXPECT_EQ(smtp_path("<>", rest), "");
  EXPECT_EQ(smtp_path("<Postmaster>", rest), "Postmaster");
  EXPECT_EQ(smtp_path("jo@example.org", rest), "jo@example.org");  // no brackets: taken, as Postfix does
  EXPECT_EQ(smtp_path("<jö@exämple.org>", rest), "jö@exämple.org");  // SMTPUTF8
  EXPECT_FALSE(smtp_path("<jo@example.org", rest));
  EXPECT_FALSE(smtp_path("<jo>", rest));
  EXPECT_FALSE(smtp_path("<jo@>", rest));
  EXPECT_FALSE(smtp_path("<a b@example.org>", rest));
  EXPECT_FALSE(smtp_path("<jo@example.org>x", rest));
  EXPECT_FALSE(smtp_path("", rest));
}

}  // namespace
}  // namespace switchboard::channels::email
