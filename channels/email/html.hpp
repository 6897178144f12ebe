#pragma once
// HTML mail made safe to show and readable as text. The sanitiser keeps an allowlist of tags and
// attributes and writes markup of its own (well-formed, every value escaped and quoted), so what a
// browser parses is exactly what was checked; the text rendering turns blocks, <br>, lists, cells
// and links into plain lines. Both read HTML with one lenient tokenizer (the WHATWG tokenizer's
// rules for tags, attributes, comments and raw-text elements; no tree builder, no CSS). Pure and
// thread-safe.

#include <string>
#include <string_view>

namespace switchboard::channels::email {

// Allowed: text formatting, headings, lists, tables, links (http, https, mailto, tel), images
// (http, https, cid: and data:image/{png,gif,jpeg,webp}) and a few presentational attributes.
// Dropped with their content: script, style, head, title, iframe, object, embed, svg, math,
// template, form controls' text areas and the like. Dropped alone: every other tag, every on*
// attribute, style and class attributes, and any URL of another scheme (javascript:, data:...).
std::string sanitize_html(std::string_view html);

struct html_text {
  std::string text;       // what the sender wrote this time (all of it when quotes are not split)
  std::string quoted;     // <blockquote>, Gmail's gmail_quote, Thunderbird's moz-cite-prefix,
                          // Yahoo's yahoo_quoted, and from Outlook's reply header to the end
  std::string signature;  // Gmail's gmail_signature
};

// Plain text as HTML, in a <div>: escaped, its line ends as <br>.
std::string plain_to_html(std::string_view text);

// The HTML as plain UTF-8 text: block elements end lines, <br> breaks one, list items start with
// "- " or "1. ", table cells are spaced, links read "text (url)" unless the text is the url,
// entities are decoded and runs of white space collapse (except in <pre>).
html_text html_to_text(std::string_view html, bool split_quotes = false);

}  // namespace switchboard::channels::email
