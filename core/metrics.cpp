#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace switchboard::metrics {

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

// HELP text escapes only \ and newline.
std::string help_text(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// `{a="b"}` with one more label added (a histogram's `le`).
std::string with_label(const std::string& labels, std::string_view name, std::string_view value) {
  std::string added = fmt::format("{}=\"{}\"", name, value);
  if (labels.empty()) return "{" + added + "}";
  return labels.substr(0, labels.size() - 1) + "," + added + "}";
}

void add_atomic(std::atomic<double>& a, double d) noexcept {
  double was = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(was, was + d, std::memory_order_relaxed)) {
  }
}

// Families as the text shows them: each with its HELP, TYPE and sample lines.
struct text_family {
  std::string type, help;
  std::vector<std::string> lines;
};

class text_writer final : public sample_writer {
 public:
  explicit text_writer(std::map<std::string, text_family, std::less<>>& out) : out_(out) {}
  void gauge(std::string_view name, std::string_view help, const std::string& labels, double value) override {
    add(name, "gauge", help, labels, value);
  }
  void counter(std::string_view name, std::string_view help, const std::string& labels, double value) override {
    add(name, "counter", help, labels, value);
  }

 private:
  void add(std::string_view name, std::string_view type, std::string_view help, const std::string& labels, double v) {
    auto [it, made] = out_.try_emplace(std::string(name));
    if (made) it->second = text_family{std::string(type), std::string(help), {}};
    if (it->second.type != type) return;  // one name, one type: a clash keeps the first
    it->second.lines.push_back(fmt::format("{}{} {}", name, labels, number(v)));
  }
  std::map<std::string, text_family, std::less<>>& out_;
};

// The metric of `labels` in a family: its place in `store`, made there on first use.
template <class T, class... Args>
T& find_or_add(std::map<std::string, std::size_t>& by_labels, std::deque<T>& store, const std::string& labels,
               Args&&... args) {
  auto [it, made] = by_labels.try_emplace(labels, store.size());
  if (made) store.emplace_back(std::forward<Args>(args)...);
  return store[it->second];
}

}  // namespace

std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
  if (kv.size() == 0) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : kv) {
    if (!first) out += ',';
    first = false;
    out.append(k).append("=\"");
    for (char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  return out + "}";
}

void gauge::add(double d) noexcept { add_atomic(v_, d); }

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) throw std::invalid_argument("histogram bounds not ascending");
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double seconds) noexcept {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  buckets_[static_cast<std::size_t>(at)].fetch_add(1, std::memory_order_relaxed);
  add_atomic(sum_, seconds);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> histogram::counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

std::vector<double> fast_buckets() { return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}; }
std::vector<double> wait_buckets() { return {0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600}; }

registry::family& registry::family_of(std::string_view name, std::string_view help, kind type) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), family{type, std::string(help), {}}).first;
  if (it->second.type != type) throw std::logic_error("metric " + std::string(name) + " registered with two types");
  return it->second;
}

counter& registry::counter_of(std::string_view name, std::string_view help, const std::string& labels) {
  std::lock_guard lock(mutex_);
  return find_or_add(family_of(name, help, kind::counter).by_labels, counters_, labels);
}

gauge& registry::gauge_of(std::string_view name, std::string_view help, const std::string& labels) {
  std::lock_guard lock(mutex_);
  return find_or_add(family_of(name, help, kind::gauge).by_labels, gauges_, labels);
}

histogram& registry::histogram_of(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                                  const std::string& labels) {
  std::lock_guard lock(mutex_);
  return find_or_add(family_of(name, help, kind::histogram).by_labels, histograms_, labels, bounds);
}

int registry::add_collector(collector c) {
  std::lock_guard lock(mutex_);
  collectors_.emplace(next_collector_, std::move(c));
  return next_collector_++;
}

void registry::remove_collector(int id) {
  std::lock_guard lock(mutex_);
  collectors_.erase(id);
}

std::string registry::text() const {
  std::map<std::string, text_family, std::less<>> out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    auto& t = out[name];
    t.help = f.help;
    for (const auto& [labels, index] : f.by_labels) {
      switch (f.type) {
        case kind::counter:
          t.type = "counter";
          t.lines.push_back(fmt::format("{}{} {}", name, labels, counters_[index].value()));
          break;
        case kind::gauge:
          t.type = "gauge";
          t.lines.push_back(fmt::format("{}{} {}", name, labels, number(gauges_[index].value())));
          break;
        case kind::histogram: {
          t.type = "histogram";
          const auto& h = histograms_[index];
          const auto counts = h.counts();
          std::uint64_t cumulative = 0;
          for (std::size_t i = 0; i < counts.size(); ++i) {
            cumulative += counts[i];
            const auto le = i < h.bounds().size() ? number(h.bounds()[i]) : std::string("+Inf");
            t.lines.push_back(fmt::format("{}_bucket{} {}", name, with_label(labels, "le", le), cumulative));
          }
          t.lines.push_back(fmt::format("{}_sum{} {}", name, labels, number(h.sum())));
          t.lines.push_back(fmt::format("{}_count{} {}", name, labels, cumulative));
          break;
        }
      }
    }
  }
  text_writer w(out);
  for (const auto& [id, c] : collectors_) c(w);
  std::string body;
  for (const auto& [name, f] : out) {
    if (f.lines.empty()) continue;
    body += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help_text(f.help), name, f.type);
    for (const auto& l : f.lines) body += l + '\n';
  }
  return body;
}

registry& registry::discard() {
  static registry r;
  return r;
}

}  // namespace switchboard::metrics
