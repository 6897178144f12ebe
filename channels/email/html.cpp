#include "channels/email/html.hpp"

#include <algorithm>
#include <vector>

#include "channels/email/html_tokens.hpp"

namespace switchboard::channels::email {

namespace {

constexpr std::size_t max_open = 256;              // deeper nesting: the tags are dropped, the text kept
constexpr std::size_t max_value = 2048;            // an attribute value longer than this is dropped
constexpr std::size_t max_image_data = 1u << 20;  // an inline data:image URL up to 1 MiB

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

bool is_void(std::string_view n) {
  return one_of(n, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                    "track", "wbr", "basefont", "bgsound", "keygen", "frame"});
}

// Elements whose content is not part of what the sender wrote, or cannot be shown safely.
bool dropped(std::string_view n) {
  return one_of(n, {"script", "style", "head", "title", "iframe", "object", "embed", "applet", "template", "svg", "math",
                    "noscript", "frameset", "frame", "noframes", "xmp", "textarea", "plaintext", "select", "audio",
                    "video", "canvas", "noembed", "button", "datalist", "dialog", "portal"});
}

bool raw_text(std::string_view n) {
  return one_of(n, {"script", "style", "textarea", "title", "iframe", "xmp", "noembed", "noframes", "noscript", "plaintext"});
}

// The attributes each allowed tag keeps, space separated; `global_attributes` apply to all.
struct tag_rule {
  std::string_view tag;
  std::string_view attributes;
};
constexpr std::string_view global_attributes = " title dir lang align valign ";
constexpr tag_rule rules[] = {
    {"a", " href name "}, {"abbr", ""}, {"address", ""}, {"b", ""}, {"bdi", ""}, {"bdo", ""}, {"big", ""},
    {"blockquote", " cite "}, {"br", ""}, {"caption", ""}, {"center", ""}, {"cite", ""}, {"code", ""},
    {"col", " span width "}, {"colgroup", " span width "}, {"dd", ""}, {"del", " cite "}, {"dfn", ""}, {"div", ""},
    {"dl", ""}, {"dt", ""}, {"em", ""}, {"font", " color face size "}, {"h1", ""}, {"h2", ""}, {"h3", ""},
    {"h4", ""}, {"h5", ""}, {"h6", ""}, {"hr", " width size noshade "}, {"i", ""},
    {"img", " src alt width height border "}, {"ins", " cite "}, {"kbd", ""}, {"li", " value type "}, {"mark", ""},
    {"ol", " start type reversed "}, {"p", ""}, {"pre", ""}, {"q", " cite "}, {"s", ""}, {"samp", ""},
    {"small", ""}, {"span", ""}, {"strike", ""}, {"strong", ""}, {"sub", ""}, {"sup", ""},
    {"table", " border cellpadding cellspacing width bgcolor summary "}, {"tbody", ""},
    {"td", " colspan rowspan width height bgcolor nowrap scope "}, {"tfoot", ""},
    {"th", " colspan rowspan width height bgcolor nowrap scope "}, {"thead", ""}, {"tr", " bgcolor "}, {"tt", ""},
    {"u", ""}, {"ul", " type "}, {"var", ""},
};

const tag_rule* rule_of(std::string_view tag) {
  for (const auto& r : rules) {
    if (r.tag == tag) return &r;
  }
  return nullptr;
}

bool attribute_allowed(const tag_rule& r, const std::string& name) {
  const std::string padded = " " + name + " ";
  return r.attributes.find(padded) != std::string_view::npos || global_attributes.find(padded) != std::string_view::npos;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// The URL as a browser reads it (tabs and newlines removed, control characters and spaces trimmed)
// when its scheme is allowed; empty otherwise. A URL without a scheme means nothing in a mail and
// is dropped too, so no spelling of "javascript:" can pass as a relative one.
std::string safe_url(std::string_view value, bool image) {
  std::string u;
  for (const char c : value) {
    if (c != '\t' && c != '\n' && c != '\r') u += c;
  }
  const auto first = std::find_if(u.begin(), u.end(), [](char c) { return static_cast<unsigned char>(c) > 0x20; });
  u.erase(u.begin(), first);
  while (!u.empty() && static_cast<unsigned char>(u.back()) <= 0x20) u.pop_back();
  if (starts_with_nocase(u, "http://") || starts_with_nocase(u, "https://")) return u;
  if (!image && (starts_with_nocase(u, "mailto:") || starts_with_nocase(u, "tel:"))) return u;
  if (image && starts_with_nocase(u, "cid:")) return u;
  if (image && u.size() <= max_image_data) {
    for (std::string_view type : {"data:image/png", "data:image/gif", "data:image/jpeg", "data:image/jpg", "data:image/webp"}) {
      if (starts_with_nocase(u, type) && u.size() > type.size() && (u[type.size()] == ';' || u[type.size()] == ',')) return u;
    }
  }
  return {};
}

void escape(std::string& out, std::string_view s, bool attribute) {
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\0': break;
      default: out += c;
    }
  }
}

// Skips the tokens of elements dropped with their content (dropped()), counting nested ones.
class content_filter {
 public:
  bool skip(const html_token& t) {
    if (depth_ == 0) {
      if (t.kind == html_token::start && dropped(t.name) && !is_void(t.name) && (raw_text(t.name) || !t.self_closing)) {
        name_ = t.name;
        depth_ = 1;
        return true;
      }
      return t.kind != html_token::text && dropped(t.name);  // a stray end tag, or a void one
    }
    if (name_ == "head" && t.kind == html_token::start && t.name == "body") {  // <head> left open
      depth_ = 0;
      return false;
    }
    if (t.kind == html_token::start && t.name == name_ && !t.self_closing) ++depth_;
    if (t.kind == html_token::end && t.name == name_) --depth_;
    return true;
  }

 private:
  std::string name_;
  int depth_ = 0;
};

class sanitizer {
 public:
  std::string run(std::string_view html) {
    html_tokenizer tokens(html);
    html_token t;
    content_filter filter;
    while (tokens.next(t)) {
      if (filter.skip(t)) continue;
      if (t.kind == html_token::text) escape(out_, t.data, false);
      if (t.kind == html_token::start) start(t);
      if (t.kind == html_token::end) finish(t.name);
    }
    while (!open_.empty()) close_top();
    return std::move(out_);
  }

 private:
  void start(const html_token& t) {
    const tag_rule* rule = rule_of(t.name);
    const bool void_element = is_void(t.name);
    if (!rule || (!void_element && open_.size() >= max_open)) return;
    out_ += '<';
    out_ += t.name;
    bool link = false;
    for (const auto& [name, raw] : t.attributes) {
      if (!attribute_allowed(*rule, name)) continue;
      std::string value = raw;
      if (name == "href" || name == "src" || name == "cite") value = safe_url(raw, t.name == "img" && name == "src");
      if (value.empty() && (name == "href" || name == "src" || name == "cite")) continue;
      if (value.size() > max_value && !(t.name == "img" && name == "src")) continue;
      out_ += ' ' + name + "=\"";
      escape(out_, value, true);
      out_ += '"';
      link = link || name == "href";
    }
    if (link) out_ += " rel=\"nofollow noopener noreferrer\" target=\"_blank\"";
    out_ += '>';
    if (!void_element) open_.push_back(t.name);
  }

  void finish(const std::string& name) {
    if (name == "br") {  // a browser reads </br> as <br>
      out_ += "<br>";
      return;
    }
    const auto it = std::find(open_.rbegin(), open_.rend(), name);
    if (it == open_.rend()) return;
    const auto keep = open_.size() - static_cast<std::size_t>(it - open_.rbegin()) - 1;
    while (open_.size() > keep) close_top();
  }

  void close_top() {
    out_ += "</" + open_.back() + ">";
    open_.pop_back();
  }

  std::string out_;
  std::vector<std::string> open_;
};

// How many line ends an element puts around itself: 2 a paragraph, 1 a line, 0 none.
int breaks_of(std::string_view n) {
  if (one_of(n, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "form", "fieldset", "figure"})) return 2;
  // Tables and lists only start lines: mail lays out with nested tables, and nests lists.
  if (one_of(n, {"table", "ul", "ol", "dl", "div", "tr", "li", "dt", "dd", "address", "center", "section", "article", "header", "footer", "nav",
                 "aside", "main", "caption", "details", "summary", "hr", "body", "html", "legend", "figcaption"})) {
    return 1;
  }
  return 0;
}

std::string attribute(const html_token& t, std::string_view name) {
  for (const auto& [n, v] : t.attributes) {
    if (n == name) return v;
  }
  return {};
}

bool has_class(const html_token& t, std::string_view cls) {
  const std::string all = " " + attribute(t, "class") + " ";
  for (std::size_t i = 0; (i = all.find(cls, i)) != std::string::npos; i += cls.size()) {
    const char before = all[i - 1], after = all[i + cls.size()];
    if ((before == ' ' || before == '\t' || before == '\n') && (after == ' ' || after == '\t' || after == '\n')) return true;
  }
  return false;
}

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Lines without trailing blanks, at most one empty line in a row, none at either end.
std::string tidy(const std::string& s) {
  std::string out;
  int empty_lines = 0;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto end = s.find('\n', pos);
    if (end == std::string::npos) end = s.size();
    std::string_view line(s.data() + pos, end - pos);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    pos = end + 1;
    if (line.empty()) {
      ++empty_lines;
      continue;
    }
    if (!out.empty()) out.append(empty_lines > 0 ? "\n\n" : "\n");
    out += line;
    empty_lines = 0;
  }
  return out;
}

class text_renderer {
 public:
  explicit text_renderer(bool split) : split_(split) {}

  html_text run(std::string_view html) {
    html_tokenizer tokens(html);
    html_token t;
    content_filter filter;
    while (tokens.next(t)) {
      if (filter.skip(t)) continue;
      if (t.kind == html_token::text) text(t.data);
      if (t.kind == html_token::start) start(t);
      if (t.kind == html_token::end) finish(t.name);
    }
    while (!open_.empty()) pop();
    return {tidy(main_.s), tidy(quoted_.s), tidy(signature_.s)};
  }

 private:
  struct sink {
    std::string s;
    int breaks = 0;  // line ends owed before the next text
    bool space = false;
  };
  struct link {
    std::string href;
    sink* where;
    std::size_t at;
  };
  struct route {  // text goes to another sink until open_ shrinks to `depth`
    std::size_t depth;
    sink* previous;
  };

  void flush() {
    sink& k = *cur_;
    if (k.breaks > 0) {
      if (!k.s.empty()) {
        int have = 0;  // a few characters back are enough: tidy() folds what more is owed
        for (auto i = k.s.rbegin(); i != k.s.rend() && i - k.s.rbegin() < 4 && (*i == '\n' || *i == ' '); ++i) {
          have += *i == '\n';
        }
        if (have < k.breaks) k.s.append(static_cast<std::size_t>(k.breaks - have), '\n');
      }
      k.breaks = 0;
      k.space = false;
    } else if (k.space) {
      if (!k.s.empty() && k.s.back() != '\n' && k.s.back() != ' ') k.s += ' ';
      k.space = false;
    }
  }

  void block(int n) {
    if (n == 0) return;
    if (n > cur_->breaks) cur_->breaks = n;
    cur_->space = false;
  }

  void text(const std::string& s) {
    if (pre_ > 0) {
      flush();
      for (const char c : s) {
        if (c != '\r') cur_->s += c;
      }
      return;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      const bool nbsp = c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0';
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || nbsp) {
        i += nbsp ? 1 : 0;
        cur_->space = cur_->breaks == 0;
        continue;
      }
      if (cur_->breaks > 0 || cur_->space) flush();
      cur_->s += c;
    }
  }

  // Where the element's text goes: a quote or signature into its own sink, Outlook's reply
  // header and everything after it into the quoted history.
  void route_of(const html_token& t, bool tracked) {
    if (!split_ || cur_ != &main_) return;
    const std::string id = attribute(t, "id");
    if (id == "divRplyFwdMsg" || id == "appendonsend" || id == "OLK_SRC_BODY_SECTION" || id == "stopSpelling") {
      cur_ = &quoted_;  // for good: no route leads back
      return;
    }
    if (!tracked) return;
    sink* to = nullptr;
    if (t.name == "blockquote" || has_class(t, "gmail_quote") || has_class(t, "gmail_quote_container") ||
        has_class(t, "yahoo_quoted") || has_class(t, "moz-cite-prefix") || has_class(t, "protonmail_quote")) {
      to = &quoted_;
    } else if (has_class(t, "gmail_signature")) {
      to = &signature_;
    }
    if (to) {
      routes_.push_back({open_.size() - 1, cur_});
      cur_ = to;
    }
  }

  void start(const html_token& t) {
    // Past max_open an element is not tracked: its text is kept, its structure ignored.
    const bool tracked = !is_void(t.name) && open_.size() < max_open;
    if (tracked) open_.push_back(t.name);
    block(breaks_of(t.name));
    route_of(t, tracked);
    if (t.name == "br") {
      flush();
      cur_->s += '\n';
    } else if (t.name == "li") {
      flush();
      cur_->s.append(2 * std::min<std::size_t>(lists_.empty() ? 0 : lists_.size() - 1, 8), ' ');
      if (!lists_.empty() && lists_.back() > 0) cur_->s += std::to_string(lists_.back()++) + ". ";
      else cur_->s += "- ";
    } else if (!tracked) {
      return;
    } else if (t.name == "ol" || t.name == "ul") {
      const std::string first = attribute(t, "start");
      const bool number = !first.empty() && first.size() < 6 &&
                          std::all_of(first.begin(), first.end(), [](char c) { return c >= '0' && c <= '9'; });
      lists_.push_back(t.name == "ul" ? 0 : number ? std::max(1, std::stoi(first)) : 1);
    } else if (t.name == "pre") {
      ++pre_;
    } else if (t.name == "a") {
      links_.push_back({attribute(t, "href"), cur_, cur_->s.size()});
    } else if (t.name == "td" || t.name == "th") {
      cur_->space = !cur_->s.empty() && cur_->breaks == 0;
    }
  }

  void finish(const std::string& name) {
    if (name == "br") {
      flush();
      cur_->s += '\n';
      return;
    }
    const auto it = std::find(open_.rbegin(), open_.rend(), name);
    if (it == open_.rend()) return;
    const auto keep = open_.size() - static_cast<std::size_t>(it - open_.rbegin()) - 1;
    while (open_.size() > keep) pop();
  }

  void pop() {
    const std::string name = std::move(open_.back());
    open_.pop_back();
    block(breaks_of(name));
    if (name == "a") close_link();
    if ((name == "ol" || name == "ul") && !lists_.empty()) lists_.pop_back();
    if (name == "pre" && pre_ > 0) --pre_;
    while (!routes_.empty() && open_.size() <= routes_.back().depth) {
      cur_ = routes_.back().previous;
      routes_.pop_back();
    }
  }

  // "text (url)", unless the text already says the url (or the address of a mailto: link).
  void close_link() {
    if (links_.empty()) return;
    const link l = std::move(links_.back());
    links_.pop_back();
    if (l.where != cur_ || l.at > cur_->s.size()) return;
    const std::string_view shown = trim_view(std::string_view(cur_->s).substr(l.at));
    std::string href(trim_view(l.href));
    if (href.size() > max_value) return;  // a tracking link of that length says nothing to a reader
    if (starts_with_nocase(href, "mailto:")) {
      href = href.substr(7, href.find('?') == std::string::npos ? std::string::npos : href.find('?') - 7);
    } else if (!starts_with_nocase(href, "http://") && !starts_with_nocase(href, "https://")) {
      return;
    }
    const std::string_view bare = std::string_view(href).substr(href.find("//") == std::string::npos ? 0 : href.find("//") + 2);
    const auto same = [&](std::string_view url) {
      return shown == url || (url.size() == shown.size() + 1 && url.back() == '/' && url.substr(0, shown.size()) == shown);
    };
    if (shown.empty() || same(href) || same(bare)) return;
    cur_->s += " (" + href + ")";
  }

  bool split_;
  sink main_, quoted_, signature_;
  sink* cur_ = &main_;
  std::vector<std::string> open_;
  std::vector<int> lists_;  // per open list: the next number, 0 for bullets
  std::vector<link> links_;
  std::vector<route> routes_;
  int pre_ = 0;
};

}  // namespace

std::string sanitize_html(std::string_view html) { return sanitizer().run(html); }

std::string plain_to_html(std::string_view text) {
  std::string out = "<div>";
  for (const char c : text) {
    if (c == '\n') out += "<br>\n";
    else escape(out, std::string_view(&c, 1), false);
  }
  return out + "</div>";
}

html_text html_to_text(std::string_view html, bool split_quotes) { return text_renderer(split_quotes).run(html); }

}  // namespace switchboard::channels::email
