#include "core/latency_histogram.hpp"

#include <bit>
#include <cmath>
#include <cstdio>

namespace switchboard {

int latency_histogram::bucket_of(std::uint64_t us) noexcept {
  if (us < kSubBuckets) return static_cast<int>(us);  // 0..7 µs: one bucket per microsecond
  const int power = std::bit_width(us) - 1;           // us in [2^power, 2^(power+1))
  const int sub = static_cast<int>((us >> (power - 3)) & (kSubBuckets - 1));
  const int i = (power - 2) * kSubBuckets + sub;
  return i < kBuckets ? i : kBuckets - 1;
}

double latency_histogram::upper_us(int i) {
  if (i < kSubBuckets) return i + 1;
  const int power = i / kSubBuckets + 2;
  const int sub = i % kSubBuckets;
  return std::ldexp(1.0 + (sub + 1) / 8.0, power);
}

void latency_histogram::record(std::chrono::nanoseconds d) noexcept {
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(0, d.count()));
  buckets_[static_cast<std::size_t>(bucket_of(ns / 1000))].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

std::vector<std::uint64_t> latency_histogram::counts() const {
  std::vector<std::uint64_t> out(kBuckets);
  for (int i = 0; i < kBuckets; ++i) out[static_cast<std::size_t>(i)] = buckets_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
  return out;
}

double latency_histogram::quantile_us(const std::vector<std::uint64_t>& counts, double q) {
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  if (total == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    if (seen >= rank && counts[i] > 0) return upper_us(static_cast<int>(i));
  }
  return upper_us(static_cast<int>(counts.size()) - 1);
}

void latency_histogram::write_prometheus(std::string& out, std::string_view name, std::string_view help,
                                         std::string_view labels) const {
  const std::string n(name);
  const std::string sep = labels.empty() ? "" : ",";
  out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " histogram\n";
  std::uint64_t cumulative = 0;
  char le[32];
  for (int i = 0; i < kBuckets; ++i) {
    cumulative += buckets_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
    std::snprintf(le, sizeof le, "%.9g", upper_us(i) / 1e6);
    out += n + "_bucket{" + std::string(labels) + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  const auto total = count_.load(std::memory_order_relaxed);
  out += n + "_bucket{" + std::string(labels) + sep + "le=\"+Inf\"} " + std::to_string(std::max(total, cumulative)) + "\n";
  std::snprintf(le, sizeof le, "%.9g", static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  out += n + "_sum" + braces + " " + le + "\n";
  out += n + "_count" + braces + " " + std::to_string(total) + "\n";
}

}  // namespace switchboard
