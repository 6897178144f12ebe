#pragma once
// The config's checks shared by its files (config.cpp, config_channels.cpp): each failure throws
// config_error naming the key's path. Internal to core/.

#include <cstdint>
#include <initializer_list>
#include <string>

#include "proto/config.pb.h"

namespace switchboard::config_checks {

[[noreturn]] void fail(const std::string& path, const std::string& what);
void check_range(std::int64_t v, std::int64_t lo, std::int64_t hi, const std::string& path);
void check_one_of(const std::string& v, std::initializer_list<const char*> allowed, const std::string& path);

// channels: accounts, templates, media, email (config_channels.cpp).
void validate_channels(const v1::Config& c);

}  // namespace switchboard::config_checks
