#pragma once
// Logging setup: spdlog, one line per event, text for people or JSON for collectors. Call sites use
// spdlog directly with key=value pairs in the message; this file owns only the sink and format.

#include "proto/config.pb.h"

namespace switchboard {

// Configures the default logger (stderr). Call once at start-up, before other threads log.
void setup_logging(const v1::LogConfig& cfg);

}  // namespace switchboard
