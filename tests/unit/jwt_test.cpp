#include "gateway/auth/jwt.hpp"

#include <gtest/gtest.h>

namespace switchboard::gateway {
namespace {

const jwt_key kOld{"k1", "old-secret-0123456789abcdef0123456789"};
const jwt_key kNew{"k2", "new-secret-0123456789abcdef0123456789"};
constexpr std::int64_t kNow = 1'800'000'000;

jwt_policy policy() { return jwt_policy{{kNew, kOld}, "switchboard", "desk", 30}; }

jwt_claims agent_claims() {
  jwt_claims c;
  c.sub = "agent-7";
  c.role = "agent";
  c.teams = {"blue", "red"};
  c.iss = "switchboard";
  c.aud = "desk";
  c.iat = kNow;
  c.exp = kNow + 3600;
  return c;
}

// A token with a hand-made header and payload, signed with `key`.
std::string forge(const std::string& header, const std::string& payload, const std::string& secret) {
  // Sign through sign_jwt's primitive: HMAC over "b64(header).b64(payload)".
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  jwt_claims unused;
  (void)unused;
  // user_hash is hex HMAC-SHA256; turn hex into bytes for the signature.
  const std::string hex = user_hash(secret, input);
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return input + "." + base64url_encode(bytes);
}

TEST(Jwt, ASignedTokenVerifiesWithItsClaims) {
  const auto token = sign_jwt(agent_claims(), kNew);
  auto r = verify_jwt(token, policy(), kNow + 10);
  ASSERT_TRUE(r.ok) << to_string(r.error);
  EXPECT_EQ(r.claims.sub, "agent-7");
  EXPECT_EQ(r.claims.role, "agent");
  EXPECT_EQ(r.claims.teams, (std::vector<std::string>{"blue", "red"}));
}

TEST(Jwt, OldKeysStillVerifyDuringRotationUnknownOnesDoNot) {
  EXPECT_TRUE(verify_jwt(sign_jwt(agent_claims(), kOld), policy(), kNow).ok);
  auto r = verify_jwt(sign_jwt(agent_claims(), jwt_key{"k9", kOld.secret}), policy(), kNow);
  EXPECT_EQ(r.error, jwt_error::unknown_key);
  auto wrong = verify_jwt(sign_jwt(agent_claims(), jwt_key{"k1", "not-the-secret-0123456789abcdef0123"}), policy(), kNow);
  EXPECT_EQ(wrong.error, jwt_error::bad_signature);
}

TEST(Jwt, TheAlgorithmIsPinned) {
  const std::string payload = R"({"sub":"x","role":"admin","iss":"switchboard","aud":"desk","exp":1900000000})";
  auto none = verify_jwt(base64url_encode(R"({"alg":"none","kid":"k1"})") + "." + base64url_encode(payload) + ".",
                         policy(), kNow);
  EXPECT_EQ(none.error, jwt_error::bad_algorithm);
  auto hs512 = verify_jwt(forge(R"({"alg":"HS512","kid":"k1"})", payload, kOld.secret), policy(), kNow);
  EXPECT_EQ(hs512.error, jwt_error::bad_algorithm);
  auto ok = verify_jwt(forge(R"({"alg":"HS256","kid":"k1"})", payload, kOld.secret), policy(), kNow);
  EXPECT_TRUE(ok.ok) << to_string(ok.error);
}

// RFC 9068 / RFC 7519 §5.1: only access tokens. A refresh token (or an ID token) signed with the
// same key must not open a session.
TEST(Jwt, OnlyAccessTokenTypesAreAccepted) {
  const std::string payload = R"({"sub":"x","role":"agent","iss":"switchboard","aud":"desk","exp":1900000000})";
  for (const std::string typ : {"", R"(,"typ":"JWT")", R"(,"typ":"jwt")", R"(,"typ":"at+jwt")", R"(,"typ":"AT+JWT")",
                                R"(,"typ":"application/at+jwt")"}) {
    auto r = verify_jwt(forge(R"({"alg":"HS256","kid":"k1")" + typ + "}", payload, kOld.secret), policy(), kNow);
    EXPECT_TRUE(r.ok) << typ << ": " << to_string(r.error);
  }
  for (const std::string typ : {R"("refresh+jwt")", R"("id+jwt")", R"("JOSE")", R"("")", R"(1)", R"(null)"}) {
    auto r = verify_jwt(forge(R"({"alg":"HS256","kid":"k1","typ":)" + typ + "}", payload, kOld.secret), policy(), kNow);
    EXPECT_FALSE(r.ok) << typ;
    EXPECT_STREQ(to_string(r.error), "bad_type") << typ;
  }
  EXPECT_TRUE(verify_jwt(sign_jwt(agent_claims(), kNew), policy(), kNow).ok);  // what we sign says JWT
}

TEST(Jwt, TimesAreCheckedWithLeeway) {
  auto c = agent_claims();
  c.nbf = kNow + 100;
  const auto token = sign_jwt(c, kNew);
  EXPECT_EQ(verify_jwt(token, policy(), kNow).error, jwt_error::not_yet_valid);
  EXPECT_TRUE(verify_jwt(token, policy(), kNow + 80).ok);                 // within 30 s of nbf
  EXPECT_TRUE(verify_jwt(token, policy(), kNow + 3600 + 29).ok);          // within 30 s after exp
  EXPECT_EQ(verify_jwt(token, policy(), kNow + 3600 + 31).error, jwt_error::expired);
}

TEST(Jwt, IssuerAndAudienceMustMatch) {
  auto c = agent_claims();
  c.iss = "someone-else";
  EXPECT_EQ(verify_jwt(sign_jwt(c, kNew), policy(), kNow).error, jwt_error::bad_issuer);
  c = agent_claims();
  c.aud = "other-app";
  EXPECT_EQ(verify_jwt(sign_jwt(c, kNew), policy(), kNow).error, jwt_error::bad_audience);
}

TEST(Jwt, MalformedTokensAndClaimsAreRefused) {
  EXPECT_EQ(verify_jwt("", policy(), kNow).error, jwt_error::malformed);
  EXPECT_EQ(verify_jwt("a.b", policy(), kNow).error, jwt_error::malformed);
  EXPECT_EQ(verify_jwt("a.b.c.d", policy(), kNow).error, jwt_error::malformed);
  EXPECT_EQ(verify_jwt("!!.??.**", policy(), kNow).error, jwt_error::malformed);
  const auto token = sign_jwt(agent_claims(), kNew);
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;  // flip a bit of the payload
  const auto r = verify_jwt(tampered, policy(), kNow);
  EXPECT_FALSE(r.ok);
  auto no_sub = verify_jwt(forge(R"({"alg":"HS256","kid":"k1"})",
                                 R"({"role":"agent","iss":"switchboard","aud":"desk","exp":1900000000})", kOld.secret),
                           policy(), kNow);
  EXPECT_EQ(no_sub.error, jwt_error::bad_claims);
  auto bad_teams = verify_jwt(forge(R"({"alg":"HS256","kid":"k1"})",
                                    R"({"sub":"a","role":"agent","teams":"blue","iss":"switchboard","aud":"desk","exp":1900000000})",
                                    kOld.secret),
                              policy(), kNow);
  EXPECT_EQ(bad_teams.error, jwt_error::bad_claims);
}

TEST(Jwt, Base64UrlRoundTripsAndRejectsJunk) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\xfe", 3)}) {
    std::string back;
    ASSERT_TRUE(base64url_decode(base64url_encode(s), back));
    EXPECT_EQ(back, s);
  }
  std::string out;
  EXPECT_EQ(base64url_encode("foobar?>"), "Zm9vYmFyPz4");
  EXPECT_FALSE(base64url_decode("Zm9v+", out));
  EXPECT_FALSE(base64url_decode("Z", out));
  EXPECT_FALSE(base64url_decode("Zh", out));  // non-zero leftover bits
}

TEST(VisitorBinding, TheSitesHmacBindsAUserId) {
  const std::string secret = "site-secret";
  const auto h = user_hash(secret, "user-42");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_TRUE(user_hash_matches(secret, "user-42", h));
  EXPECT_FALSE(user_hash_matches(secret, "user-43", h));
  EXPECT_FALSE(user_hash_matches("other", "user-42", h));
  EXPECT_FALSE(user_hash_matches(secret, "user-42", h.substr(1)));
  // RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?").
  EXPECT_EQ(user_hash("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace switchboard::gateway
