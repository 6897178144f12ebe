// What an IMAP server says, read by channels/email/imap.hpp: responses split anywhere, literals,
// limits, and the parsers of CAPABILITY, EXISTS, response codes and FETCH; quoting for commands.
#include "channels/email/imap.hpp"

#include <gtest/gtest.h>

namespace switchboard::channels::email {
namespace {

std::vector<imap_response> all(imap_reader& r) {
  std::vector<imap_response> out;
  while (auto next = r.next()) out.push_back(std::move(*next));
  return out;
}

TEST(ImapReader, SplitsTagStatusAndTextWhateverTheChunks) {
  const std::string bytes = "* OK [UIDVALIDITY 1764741234] UIDs valid\r\n* 3 EXISTS\r\n+ idling\r\nsb2 no [AUTHENTICATIONFAILED] Bad\r\n";
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    imap_reader r;
    r.feed(bytes.substr(0, cut));
    auto got = all(r);
    r.feed(bytes.substr(cut));
    for (auto& x : all(r)) got.push_back(std::move(x));
    ASSERT_EQ(got.size(), 4u) << cut;
    EXPECT_EQ(got[0].tag, "*");
    EXPECT_EQ(got[0].status, "OK");
    EXPECT_EQ(got[0].text, "[UIDVALIDITY 1764741234] UIDs valid");
    EXPECT_EQ(got[1].status, "");
    EXPECT_EQ(got[1].text, "3 EXISTS");
    EXPECT_EQ(got[2].tag, "+");
    EXPECT_EQ(got[2].text, "idling");
    EXPECT_EQ(got[3].tag, "sb2");
    EXPECT_EQ(got[3].status, "NO");  // upper-cased
  }
}

TEST(ImapReader, CarriesLiteralsBesideTheirLine) {
  const std::string body = "Subject: hi\r\n\r\n) not the end {3}\r\n";
  const std::string bytes = "* 1 FETCH (UID 7 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + " FLAGS (\\Seen))\r\nsb1 OK done\r\n";
  imap_reader r;
  r.feed(bytes.substr(0, 30));
  EXPECT_FALSE(r.next());  // the literal is not all here
  r.feed(bytes.substr(30));
  auto got = all(r);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(got[0].literals.size(), 1u);
  EXPECT_EQ(got[0].literals[0], body);
  auto f = imap_fetch(got[0]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->seq, 1u);
  EXPECT_EQ(f->uid, 7u);
  EXPECT_EQ(f->body, body);
  EXPECT_EQ(f->flags, std::set<std::string>{"\\Seen"});
  EXPECT_EQ(got[1].tag, "sb1");
}

TEST(ImapReader, FailsPastItsLimitsInsteadOfGrowing) {
  imap_limits small;
  small.max_line = 24;
  small.max_literal = 8;
  imap_reader long_line(small);
  long_line.feed(std::string(26, 'x'));  // 24, a CR that is not counted, and one more
  EXPECT_FALSE(long_line.next());
  EXPECT_NE(long_line.error().find("over 24 bytes"), std::string::npos);
  imap_reader big_literal(small);
  big_literal.feed("* 1 FETCH (BODY[] {9}\r\n");
  EXPECT_FALSE(big_literal.next());
  EXPECT_NE(big_literal.error().find("9 bytes at once"), std::string::npos);
  imap_reader fine(small);
  fine.feed("* 1 FETCH (BODY[] {8}\r\n12345678)\r\n");
  EXPECT_TRUE(fine.next());
}

TEST(ImapParsers, ReadCapabilitiesCodesExistsAndSizes) {
  imap_reader r;
  r.feed("* OK [CAPABILITY IMAP4rev1 SASL-IR IDLE AUTH=PLAIN] Dovecot ready.\r\n* CAPABILITY IMAP4rev1 MOVE uidplus\r\n");
  r.feed("* 12 EXISTS\r\n* 2 FETCH (UID 34 RFC822.SIZE 4433)\r\n* 3 FETCH (FLAGS (\\Seen) UID 35 BODY[HEADER.FIELDS (FROM)] {7}\r\nFrom:\r\n BODY[] NIL)\r\n");
  auto got = all(r);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(imap_capabilities(got[0]), (std::set<std::string>{"IMAP4REV1", "SASL-IR", "IDLE", "AUTH=PLAIN"}));
  EXPECT_EQ(imap_capabilities(got[1]), (std::set<std::string>{"IMAP4REV1", "MOVE", "UIDPLUS"}));
  EXPECT_FALSE(imap_capabilities(got[2]));
  EXPECT_EQ(imap_exists(got[2]), 12u);
  EXPECT_FALSE(imap_exists(got[3]));
  auto sized = imap_fetch(got[3]);
  ASSERT_TRUE(sized);
  EXPECT_EQ(sized->uid, 34u);
  EXPECT_EQ(sized->size, 4433u);
  EXPECT_FALSE(sized->body);
  auto skipped = imap_fetch(got[4]);
  ASSERT_TRUE(skipped);  // the header section (a literal) is skipped, BODY[] NIL is no body
  EXPECT_EQ(skipped->uid, 35u);
  EXPECT_FALSE(skipped->body);
  EXPECT_EQ(imap_code_number("[UIDVALIDITY 1764741234] UIDs valid", "UIDVALIDITY"), 1764741234u);
  EXPECT_EQ(imap_code_number("[UIDNEXT 4] next", "UIDVALIDITY"), std::nullopt);
}

TEST(ImapParsers, RefuseWhatIsNotAFetch) {
  for (const char* line : {"* 1 FETCH (UID x)\r\n", "* 1 FETCH (UID 3\r\n", "* FETCH (UID 3)\r\n", "* 1 FETCH (BODY[] {2}\r\n",
                           "* 1 FETCH (FLAGS (\\Seen)\r\n"}) {
    imap_reader r;
    r.feed(line);
    auto got = all(r);
    if (!got.empty()) EXPECT_FALSE(imap_fetch(got[0])) << line;
  }
}

TEST(ImapQuoted, EscapesQuotesAndRefusesWhatNeedsALiteral) {
  EXPECT_EQ(imap_quoted("INBOX"), "\"INBOX\"");
  EXPECT_EQ(imap_quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_FALSE(imap_quoted("two\r\nlines"));
  EXPECT_FALSE(imap_quoted("Entwürfe"));
}

}  // namespace
}  // namespace switchboard::channels::email
