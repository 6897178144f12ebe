#include "router/engine/staffing.hpp"

#include <algorithm>
#include <cmath>

namespace switchboard::router {

double erlang_c(int n, double load) {
  if (n <= 0 || load >= n) return 1.0;
  // Erlang B by its stable recurrence, then C from B.
  double b = 1.0;
  for (int k = 1; k <= n; ++k) b = load * b / (k + load * b);
  return n * b / (n - load * (1 - b));
}

double service_level(int n, double arrivals_per_second, double handle_seconds, double target_seconds) {
  const double load = arrivals_per_second * handle_seconds;
  if (load <= 0) return 1.0;
  if (n <= load) return 0.0;
  return 1.0 - erlang_c(n, load) * std::exp(-(n - load) * target_seconds / handle_seconds);
}

int agents_needed(double arrivals_per_second, double handle_seconds, double target_seconds, double target_share,
                  int cap) {
  if (arrivals_per_second <= 0 || handle_seconds <= 0) return 0;
  const double load = arrivals_per_second * handle_seconds;
  // Erlang B for n agents from n - 1 (the recurrence of erlang_c), so the search costs one step per
  // n instead of a whole recurrence per n: at 10,000 conversations in 15 minutes the load is
  // thousands of Erlangs and the board is computed every second.
  double b = 1.0;
  for (int n = 1; n <= cap; ++n) {
    b = load * b / (n + load * b);
    if (n <= load) continue;
    const double c = n * b / (n - load * (1 - b));
    if (1.0 - c * std::exp(-(n - load) * target_seconds / handle_seconds) >= target_share) return n;
  }
  return cap;
}

int chat_agents_needed(double arrivals_per_second, double handle_seconds, double target_seconds,
                       double target_share, double concurrency, int cap) {
  const int slots = agents_needed(arrivals_per_second, handle_seconds, target_seconds, target_share, cap);
  if (concurrency <= 1.0) return slots;
  return static_cast<int>(std::ceil(slots / concurrency - 1e-9));
}

int concurrency_of(int max_concurrent, int weight, bool exclusive) {
  if (max_concurrent <= 0) return 0;
  if (exclusive) return 1;  // the whole agent
  if (weight > 0) return std::min(max_concurrent, 100 / weight);
  return max_concurrent;
}

double team_concurrency(const std::vector<const v1::Agent*>& team, const std::map<v1::Channel, int>& mix) {
  // No conversations to go by: the channels the team takes, one each.
  std::map<v1::Channel, int> taken;
  for (const auto* a : team) {
    for (const auto& cap : a->capacity()) taken[cap.channel()] = 1;
  }
  double total = 0, per_slot = 0;  // conversations; Σ conversations ÷ concurrency
  for (const auto& [channel, n] : mix.empty() ? taken : mix) {
    int agents = 0, carried = 0;
    for (const auto* a : team) {
      for (const auto& cap : a->capacity()) {
        if (cap.channel() != channel) continue;
        const int k = concurrency_of(cap.max_concurrent(), cap.weight(), cap.exclusive());
        if (k > 0) {
          ++agents;
          carried += k;
        }
      }
    }
    total += n;
    per_slot += n / (agents > 0 ? static_cast<double>(carried) / agents : 1.0);
  }
  return per_slot > 0 ? total / per_slot : 1.0;
}

}  // namespace switchboard::router
