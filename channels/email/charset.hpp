#pragma once
// Text of a mail into well-formed, tidy UTF-8: a body part's bytes in its declared charset converted
// (glibc iconv, with the WHATWG reading of the labels mail programs mislabel), broken sequences
// replaced by U+FFFD, CRLF made LF, format=flowed (RFC 3676) joined, blanks trimmed. Owns no MIME
// parsing: mime.cpp hands it the decoded bytes of a part. Pure and thread-safe.

#include <string>
#include <string_view>

namespace switchboard::channels::email {

// RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_utf8(std::string_view s);
// `s` with every byte that does not start a well-formed sequence replaced by U+FFFD.
std::string repair_utf8(std::string_view s);
void append_utf8(std::string& out, char32_t c);

// `bytes` in `charset` (a MIME label, any case; empty when the part named none) as UTF-8. With no
// label, us-ascii or one iconv does not know, bytes that are already UTF-8 are kept and others are
// read as windows-1252; `problem` then says so (it stays empty when nothing was guessed or lost).
std::string to_utf8(std::string_view bytes, std::string_view charset, std::string& problem);

// CRLF and lone CR as LF.
std::string lf_newlines(std::string_view s);

// Runs of blanks and line ends as one space, none at either end (a subject, a file name).
std::string collapse_spaces(std::string_view s);
// From the first line with text to the last character that is not blank.
std::string trim_blank_lines(std::string_view s);

// RFC 3676 format=flowed (on LF text): soft line breaks (a line ending in a space) joined, space
// stuffing undone, the quote depth of each paragraph kept; `delsp`: DelSp=yes.
std::string unflow(std::string_view text, bool delsp);

}  // namespace switchboard::channels::email
