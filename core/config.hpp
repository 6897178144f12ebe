#pragma once
// Loading switchboard.yaml into its schema, the switchboard.v1.Config proto (proto/config.proto):
// defaults, then the file, then secrets from the environment, then range checks. Every rejection
// names the key's path ("redis.command_timeout_ms: expected an integer, got 'soon'").

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "proto/config.pb.h"

namespace switchboard {

// A config that cannot be used. what() starts with the key's path.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads an environment variable; injected so tests need not touch the real environment.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real environment.
env_lookup process_env();

// The built-in defaults every file is applied over.
v1::Config default_config();

// Fills `out` from YAML text by the message's schema (no defaults, no validation): the strict
// loader behind the config, reused for other YAML files such as simulator scenarios. Throws
// config_error naming the key's path.
void yaml_into(const std::string& yaml_text, google::protobuf::Message& out);

// Reads a file into `out` with yaml_into. Throws config_error (also when it cannot be read).
void load_yaml_into(const std::string& path, google::protobuf::Message& out);

// Parses YAML text over the defaults. Throws config_error.
v1::Config parse_config(const std::string& yaml_text, const env_lookup& env);

// Reads and parses a file. Throws config_error (also when the file cannot be read).
v1::Config load_config(const std::string& path, const env_lookup& env);

// The checks parse_config ends with (ranges, names, references between sections), for a config
// put together in code (a reload's). Throws config_error naming the key.
void validate_config(const v1::Config& c);

// The environment variable that overrides a secret at `path` ("redis.password" →
// "SWITCHBOARD_REDIS_PASSWORD").
std::string secret_env_name(const std::string& path);

// Checks routing queues (names unique, proficiencies 1–5, relax steps in order, overflow targets
// that exist). Used for the config's `queues` and the simulator's scenarios. Throws config_error.
void validate_queues(const google::protobuf::RepeatedPtrField<v1::Queue>& queues, const std::string& path);
// Checks agent profiles (ids unique, proficiencies 1–5, capacities in range). Also used by
// PUT /v1/agents/{id}. Throws config_error naming the key.
void validate_agents(const google::protobuf::RepeatedPtrField<v1::Agent>& agents, const std::string& path);

// Parsed redis.url.
struct redis_endpoint {
  std::string host;
  int port = 6379;
  std::string password;
  int db = 0;
};

// Parses "redis://[:password@]host[:port][/db]". Throws config_error naming "redis.url".
redis_endpoint parse_redis_url(const std::string& url);

// Whether `serve` starts its private redis-server: none of redis.url, redis.sentinel and
// redis.cluster is set.
bool uses_embedded_redis(const v1::RedisConfig& redis);
// redis.sentinel.addresses parsed ("host:port", "[v6]:port"). Throws config_error naming the entry.
std::vector<redis_endpoint> sentinel_endpoints(const v1::RedisConfig& redis);
// redis.cluster.seeds parsed the same way.
std::vector<redis_endpoint> cluster_seeds(const v1::RedisConfig& redis);

}  // namespace switchboard
