#pragma once
// Staffing advice (Erlang C): how many agents a queue needs to answer `target_share` of its
// conversations within `target_seconds`, at an arrival rate and an average handle time, when each
// agent carries one conversation (a "slot") or, for chat, several at once. Pure.

#include <map>
#include <vector>

#include "proto/routing.pb.h"

namespace switchboard::router {

// Probability that an arrival waits, with n agents and offered load a = λ · AHT (Erlangs); 1 when
// n <= a (the queue grows without bound).
double erlang_c(int n, double load);
// Share answered within target_seconds with n agents.
double service_level(int n, double arrivals_per_second, double handle_seconds, double target_seconds);
// The smallest n reaching target_share (0 when nothing arrives; capped at `cap`): agents carrying
// one conversation each, i.e. simultaneous conversation slots.
int agents_needed(double arrivals_per_second, double handle_seconds, double target_seconds, double target_share,
                  int cap = 10'000);
// Chat agents needed when each carries `concurrency` conversations at once (a team's average;
// <= 1: one each): the slots Erlang C needs for the traffic (agents_needed, every slot serving one
// conversation for the handle time) divided by the concurrency, rounded up. The handle time is the
// conversation's own duration as measured at that concurrency (an agent carrying three answers each
// more slowly), so it is not scaled again here.
int chat_agents_needed(double arrivals_per_second, double handle_seconds, double target_seconds,
                       double target_share, double concurrency, int cap = 10'000);
// How many conversations of a channel one agent carries at once, as the engine lets them: up to
// max_concurrent, fewer when `weight` (load units of 100) fills them first, 1 on an exclusive
// channel, 0 when they cannot take any.
int concurrency_of(int max_concurrent, int weight, bool exclusive);
// How many conversations one of a team's agents carries at once, over a queue's channel mix
// (conversations per channel; web chat when empty): per channel, the mean concurrency_of over the
// team's agents who take it (1 when none does); over the mix, the harmonic mean weighted by
// conversations, since agents needed add up per channel as slots ÷ concurrency.
double team_concurrency(const std::vector<const v1::Agent*>& team, const std::map<v1::Channel, int>& mix);

}  // namespace switchboard::router
