#pragma once
// Passwords of people who sign in (agents, leads, admins): argon2id from Debian's libargon2 (the
// reference implementation, RFC 9106), in its PHC string form ("$argon2id$v=19$m=...,t=...,p=...
// $salt$hash") so the parameters travel with each hash and can be raised later without a
// migration. Parameters: OWASP's recommended minimum for argon2id (19 MiB, 2 passes, 1 lane):
// about 30-60 ms on one core here — slow for a guesser, and sign-ins are rare. Run it off the I/O
// threads (gateway/sign_in.hpp).
//
// Also the random tokens of sign-in sessions. Thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace switchboard {

// A new argon2id hash of `password` with a fresh random salt. Throws std::runtime_error if the
// library fails (out of memory).
std::string hash_password(std::string_view password);

// Whether `password` matches `encoded` (a hash_password result). False for anything malformed.
// Compares in constant time (libargon2 does).
bool verify_password(const std::string& encoded, std::string_view password);

// `bytes` random bytes from OpenSSL's CSPRNG, base64url without padding. Throws if it fails.
std::string random_token(std::size_t bytes);

// Whether two secrets are equal, in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// Lower-case hex of SHA-256 of `s`.
std::string sha256_hex(std::string_view s);

}  // namespace switchboard
