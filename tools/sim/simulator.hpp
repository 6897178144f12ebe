#pragma once
// The discrete-event contact-centre simulator: Poisson arrivals per queue (rates may change by
// hour), exponential or lognormal handle times, exponential customer patience, agent groups with
// skills, chat capacity and shifts — driving the real routing engine (router/engine) with
// simulated time. Agents answer offers at once, declining their group's decline_probability share. Reports, per queue, service level, average
// speed of answer, probability of waiting and abandonment, and occupancy per agent group.
// Deterministic: the same scenario and seed give the same report. Pure (no I/O).

#include <cstdint>
#include <string>
#include <vector>

#include "proto/scenario.pb.h"

namespace switchboard::sim {

struct queue_report {
  std::string name;
  std::int64_t arrivals = 0;        // counted arrivals (after the warm-up)
  std::int64_t answered = 0;
  std::int64_t abandoned = 0;
  std::int64_t waited = 0;          // answered or abandoned after waiting more than zero
  std::int64_t within_target = 0;   // answered within the queue's service_level_seconds
  std::int64_t overflowed_out = 0;  // left for another queue
  double target_seconds = 0;
  double service_level = 0;         // within_target / (answered + abandoned)
  double p_wait = 0;                // waited / (answered + abandoned)
  double asa_seconds = 0;           // mean wait of the answered
  double abandon_rate = 0;          // abandoned / (answered + abandoned)
};

struct group_report {
  std::string name;
  double occupancy = 0;             // busy chat-seconds / (staffed agent-seconds × max_chats)
  std::int64_t handled = 0;
};

struct report {
  std::uint64_t seed = 0;
  double hours = 0;
  std::vector<queue_report> queues;
  std::vector<group_report> groups;
  std::int64_t offers = 0;
  std::int64_t assignments = 0;
  double offers_per_assignment = 0;
  std::int64_t engine_facts = 0;    // facts fed to the engine
};

// Runs a scenario. Throws std::invalid_argument naming what is wrong with it.
report simulate(const v1::Scenario& scenario, std::uint64_t seed);

// The one-queue shortcut: `agents` agents with one skill, Poisson arrivals, exponential handle
// times, target T seconds, no abandonment.
v1::Scenario one_queue(int agents, double arrivals_per_hour, double aht_seconds, double target_seconds,
                       double hours, double patience_seconds = 0);

std::string to_json(const report& r);
std::string to_text(const report& r);

}  // namespace switchboard::sim
