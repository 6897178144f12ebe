#pragma once
// Staffing advice (Erlang C): how many agents a queue needs to answer `target_share` of its
// conversations within `target_seconds`, at an arrival rate and an average handle time. Pure.

namespace switchboard::router {

// Probability that an arrival waits, with n agents and offered load a = λ · AHT (Erlangs); 1 when
// n <= a (the queue grows without bound).
double erlang_c(int n, double load);
// Share answered within target_seconds with n agents.
double service_level(int n, double arrivals_per_second, double handle_seconds, double target_seconds);
// The smallest n reaching target_share (0 when nothing arrives; capped at `cap`).
int agents_needed(double arrivals_per_second, double handle_seconds, double target_seconds, double target_share,
                  int cap = 10'000);

}  // namespace switchboard::router
