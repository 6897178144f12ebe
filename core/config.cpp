#include "core/config.hpp"
#include "core/templates.hpp"

#include "core/config_checks.hpp"
#include "core/defaults.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <boost/url/parse.hpp>

namespace switchboard {

namespace config_checks {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw config_error(path + ": " + what);
}

void check_range(std::int64_t v, std::int64_t lo, std::int64_t hi, const std::string& path) {
  if (v < lo || v > hi) {
    fail(path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
  }
}

void check_one_of(const std::string& v, std::initializer_list<const char*> allowed, const std::string& path) {
  std::string names;
  for (const char* a : allowed) {
    if (v == a) return;
    names += (names.empty() ? "" : ", ") + std::string(a);
  }
  fail(path, "must be one of " + names + ", got '" + v + "'");
}

}  // namespace config_checks

using namespace config_checks;

namespace {

namespace pb = google::protobuf;

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string scalar_of(const YAML::Node& n, const std::string& path, const char* expected) {
  if (!n.IsScalar()) fail(path, std::string("expected ") + expected + ", got a " + (n.IsMap() ? "map" : "list"));
  return n.Scalar();
}

template <class Int>
Int parse_int(const YAML::Node& n, const std::string& path) {
  std::string s = scalar_of(n, path, "an integer");
  Int v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) fail(path, "integer out of range: '" + s + "'");
  if (ec != std::errc() || end != s.data() + s.size()) fail(path, "expected an integer, got '" + s + "'");
  return v;
}

double parse_double(const YAML::Node& n, const std::string& path) {
  std::string s = scalar_of(n, path, "a number");
  std::istringstream in(s);
  double v = 0;
  in >> v;
  if (in.fail() || !in.eof()) fail(path, "expected a number, got '" + s + "'");
  return v;
}

bool parse_bool(const YAML::Node& n, const std::string& path) {
  std::string s = scalar_of(n, path, "true or false");
  if (s == "true") return true;
  if (s == "false") return false;
  fail(path, "expected true or false, got '" + s + "'");
}

const pb::EnumValueDescriptor* parse_enum(const YAML::Node& n, const pb::FieldDescriptor* f,
                                          const std::string& path) {
  std::string s = scalar_of(n, path, "a name");
  std::string upper = s;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  const auto* e = f->enum_type();
  if (const auto* v = e->FindValueByName(upper)) return v;
  // Values prefixed by their enum's name (CHANNEL_WEB) may be written without it ("web").
  std::string prefix;
  for (char c : e->name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix += '_';
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (const auto* v = e->FindValueByName(prefix + "_" + upper)) return v;
  std::string names;
  for (int i = 1; i < e->value_count(); ++i) names += (i > 1 ? ", " : "") + e->value(i)->name();
  fail(path, "unknown value '" + s + "' (one of: " + names + ")");
}

void merge_map(const YAML::Node& node, pb::Message& msg, const std::string& path);

// Sets one singular field, or adds one element to a repeated one, from a YAML node.
void set_field(const YAML::Node& n, pb::Message& msg, const pb::FieldDescriptor* f, const std::string& path) {
  const auto* r = msg.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      if (!n.IsMap()) fail(path, "expected a map");
      pb::Message* child = rep ? r->AddMessage(&msg, f) : r->MutableMessage(&msg, f);
      merge_map(n, *child, path);
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string v = scalar_of(n, path, "a string");
      rep ? r->AddString(&msg, f, v) : r->SetString(&msg, f, v);
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      auto v = parse_int<std::int32_t>(n, path);
      rep ? r->AddInt32(&msg, f, v) : r->SetInt32(&msg, f, v);
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      auto v = parse_int<std::int64_t>(n, path);
      rep ? r->AddInt64(&msg, f, v) : r->SetInt64(&msg, f, v);
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      auto v = parse_int<std::uint32_t>(n, path);
      rep ? r->AddUInt32(&msg, f, v) : r->SetUInt32(&msg, f, v);
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      auto v = parse_int<std::uint64_t>(n, path);
      rep ? r->AddUInt64(&msg, f, v) : r->SetUInt64(&msg, f, v);
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double v = parse_double(n, path);
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT) {
        rep ? r->AddFloat(&msg, f, static_cast<float>(v)) : r->SetFloat(&msg, f, static_cast<float>(v));
      } else {
        rep ? r->AddDouble(&msg, f, v) : r->SetDouble(&msg, f, v);
      }
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool v = parse_bool(n, path);
      rep ? r->AddBool(&msg, f, v) : r->SetBool(&msg, f, v);
      return;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const auto* v = parse_enum(n, f, path);
      rep ? r->AddEnum(&msg, f, v) : r->SetEnum(&msg, f, v);
      return;
    }
  }
}

void merge_map(const YAML::Node& node, pb::Message& msg, const std::string& path) {
  const auto* d = msg.GetDescriptor();
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) fail(path.empty() ? "(top)" : path, "keys must be plain names");
    const std::string key = kv.first.Scalar();
    const std::string key_path = join(path, key);
    const auto* f = d->FindFieldByName(key);
    if (f == nullptr) fail(key_path, "unknown key");
    const YAML::Node& v = kv.second;
    if (v.IsNull()) continue;  // "key:" with no value keeps the default.
    if (f->is_repeated()) {
      if (!v.IsSequence()) fail(key_path, "expected a list");
      msg.GetReflection()->ClearField(&msg, f);
      for (std::size_t i = 0; i < v.size(); ++i) {
        set_field(v[i], msg, f, key_path + "[" + std::to_string(i) + "]");
      }
    } else {
      set_field(v, msg, f, key_path);
    }
  }
}

// Applies SWITCHBOARD_<PATH> to every field marked secret.
void apply_secrets(pb::Message& msg, const std::string& path, const env_lookup& env) {
  const auto* d = msg.GetDescriptor();
  const auto* r = msg.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    const std::string p = join(path, f->name());
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      apply_secrets(*r->MutableMessage(&msg, f), p, env);
    } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      // Elements of a list by index: auth.keys.0.secret ← SWITCHBOARD_AUTH_KEYS_0_SECRET.
      for (int i = 0; i < r->FieldSize(msg, f); ++i) {
        apply_secrets(*r->MutableRepeatedMessage(&msg, f, i), p + "." + std::to_string(i), env);
      }
    } else if (f->options().GetExtension(v1::secret) && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      if (auto v = env(secret_env_name(p))) r->SetString(&msg, f, *v);
    }
  }
}

void check_skills(const google::protobuf::RepeatedPtrField<v1::Skill>& skills, const std::string& path) {
  for (int i = 0; i < skills.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (skills[i].name().empty()) fail(p + ".name", "must not be empty");
    check_range(skills[i].proficiency(), 1, 5, p + ".proficiency");
  }
}

}  // namespace

void validate_queues(const google::protobuf::RepeatedPtrField<v1::Queue>& queues, const std::string& path) {
  std::map<std::string, int> names;
  for (int i = 0; i < queues.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const auto& q = queues[i];
    if (q.name().empty()) fail(p + ".name", "must not be empty");
    if (!names.emplace(q.name(), i).second) fail(p + ".name", "'" + q.name() + "' is used twice");
    check_skills(q.required_skills(), p + ".required_skills");
    const auto& pol = q.policy();
    check_range(pol.offer_timeout_seconds(), 0, 3600, p + ".policy.offer_timeout_seconds");
    check_range(pol.max_missed_offers(), 0, 1000, p + ".policy.max_missed_offers");
    check_range(pol.max_queue_length(), 0, 100'000'000, p + ".policy.max_queue_length");
    check_range(pol.max_wait_seconds(), 0, 30 * 86400, p + ".policy.max_wait_seconds");
    check_range(pol.preferred_agent_wait_seconds(), 0, 86400, p + ".policy.preferred_agent_wait_seconds");
    check_range(pol.reply_target_seconds(), 0, 86400, p + ".policy.reply_target_seconds");
    check_range(pol.abandon_after_seconds(), -1, 86400, p + ".policy.abandon_after_seconds");
    check_range(pol.inactivity_timeout_seconds(), -1, 7 * 86400, p + ".policy.inactivity_timeout_seconds");
    check_range(pol.inactivity_warning_seconds(), 0, 86400, p + ".policy.inactivity_warning_seconds");
    if (pol.service_level_target() < 0 || pol.service_level_target() > 1) {
      fail(p + ".policy.service_level_target", "must be between 0 and 1");
    }
    int last = -1;
    for (int r = 0; r < pol.relax_size(); ++r) {
      const std::string rp = p + ".policy.relax[" + std::to_string(r) + "]";
      if (pol.relax(r).after_seconds() < last) fail(rp + ".after_seconds", "steps must be in order of after_seconds");
      last = pol.relax(r).after_seconds();
      check_range(pol.relax(r).lower_proficiency_by(), 0, 4, rp + ".lower_proficiency_by");
    }
  }
  // Overflow targets must exist (checked once every name is known).
  for (int i = 0; i < queues.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const auto& pol = queues[i].policy();
    if (!pol.overflow_queue().empty() && !names.count(pol.overflow_queue())) {
      fail(p + ".policy.overflow_queue", "no queue named '" + pol.overflow_queue() + "'");
    }
    for (int r = 0; r < pol.relax_size(); ++r) {
      const auto& to = pol.relax(r).overflow_queue();
      if (!to.empty() && !names.count(to)) {
        fail(p + ".policy.relax[" + std::to_string(r) + "].overflow_queue", "no queue named '" + to + "'");
      }
    }
  }
}

void validate_agents(const google::protobuf::RepeatedPtrField<v1::Agent>& agents, const std::string& path) {
  std::map<std::string, int> ids;
  for (int i = 0; i < agents.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const auto& a = agents[i];
    if (a.id().empty()) fail(p + ".id", "must not be empty");
    if (!ids.emplace(a.id(), i).second) fail(p + ".id", "'" + a.id() + "' is used twice");
    check_skills(a.skills(), p + ".skills");
    for (int c = 0; c < a.capacity_size(); ++c) {
      const std::string cp = p + ".capacity[" + std::to_string(c) + "]";
      if (a.capacity(c).channel() == v1::CHANNEL_UNSPECIFIED) fail(cp + ".channel", "must name a channel");
      check_range(a.capacity(c).max_concurrent(), 0, 1000, cp + ".max_concurrent");
      check_range(a.capacity(c).weight(), 0, 100, cp + ".weight");
    }
  }
}

namespace {

// Development sign-ins exist only beside the embedded Redis: their passwords are public.
void validate_people(const v1::Config& c) {
  std::map<std::string, int> ids;
  for (int i = 0; i < c.dev_users_size(); ++i) {
    const std::string p = "dev_users[" + std::to_string(i) + "]";
    const auto& u = c.dev_users(i);
    if (!uses_embedded_redis(c.redis())) {
      fail(p, "development passwords are only allowed with the embedded Redis (redis.url, redis.sentinel and redis.cluster unset); add people "
              "with `switchboard users add`");
    }
    if (u.id().empty()) fail(p + ".id", "must not be empty");
    if (!ids.emplace(u.id(), i).second) fail(p + ".id", "'" + u.id() + "' is used twice");
    check_one_of(u.role(), {"agent", "lead", "admin"}, p + ".role");
    if (u.password().size() < 4) fail(p + ".password", "must be at least 4 characters");
  }
  std::map<std::string, int> replies;
  for (int i = 0; i < c.canned_replies_size(); ++i) {
    const std::string p = "canned_replies[" + std::to_string(i) + "]";
    const auto& r = c.canned_replies(i);
    if (r.id().empty() || r.id().find_first_of(" /") != std::string::npos) fail(p + ".id", "must be a word without spaces or '/'");
    if (!replies.emplace(r.team() + "/" + r.id(), i).second) fail(p + ".id", "'" + r.id() + "' is used twice in its team");
    if (r.body().empty()) fail(p + ".body", "must not be empty");
  }
  check_range(c.auth().session_ttl_seconds(), 60, 30 * 86400, "auth.session_ttl_seconds");
  check_range(c.auth().sign_in_failures_per_account(), 1, 1'000'000, "auth.sign_in_failures_per_account");
  check_range(c.auth().sign_in_failures_per_address(), 1, 1'000'000, "auth.sign_in_failures_per_address");
  check_range(c.auth().sign_in_window_seconds(), 1, 86400, "auth.sign_in_window_seconds");
}

void validate(const v1::Config& c) {
  check_range(c.server().http_port(), 0, 65535, "server.http_port");
  check_range(c.server().threads(), 1, 256, "server.threads");
  check_range(c.server().shutdown_grace_ms(), 0, 600'000, "server.shutdown_grace_ms");
  check_range(c.server().max_frame_bytes(), 256, 16 * 1024 * 1024, "server.max_frame_bytes");
  check_range(c.server().max_queued_frames(), 1, 1'000'000, "server.max_queued_frames");
  check_range(c.server().idle_timeout_seconds(), 1, 86400, "server.idle_timeout_seconds");
  check_range(c.server().handshake_timeout_seconds(), 1, 600, "server.handshake_timeout_seconds");
  if (!(c.server().frames_per_second() > 0)) fail("server.frames_per_second", "must be > 0");
  if (!(c.server().user_frames_per_second() > 0)) fail("server.user_frames_per_second", "must be > 0");
  check_range(c.server().frame_burst(), 1, 1'000'000, "server.frame_burst");
  check_range(c.server().user_frame_burst(), 1, 1'000'000, "server.user_frame_burst");
  check_range(c.server().max_connections_per_user(), 1, 100'000, "server.max_connections_per_user");
  check_range(c.server().desk_presence_seconds(), 2, 3600, "server.desk_presence_seconds");
  check_range(c.server().max_connections_per_address(), 1, 1'000'000, "server.max_connections_per_address");
  check_range(c.server().max_connections(), 1, 10'000'000, "server.max_connections");
  if (c.server().listen_address().empty()) fail("server.listen_address", "must not be empty");
  if (!c.redis().url().empty()) parse_redis_url(c.redis().url());
  const auto& sentinel = c.redis().sentinel();
  if (sentinel.addresses_size() > 0 || !sentinel.master_name().empty()) {
    if (!c.redis().url().empty()) fail("redis.sentinel", "set either redis.url or redis.sentinel, not both");
    if (sentinel.addresses_size() == 0) fail("redis.sentinel.addresses", "must name at least one sentinel (host:port)");
    if (sentinel.master_name().empty()) fail("redis.sentinel.master_name", "must not be empty (the name the sentinels monitor)");
    sentinel_endpoints(c.redis());
  }
  if (c.redis().cluster().seeds_size() > 0) {
    if (!c.redis().url().empty() || sentinel.addresses_size() > 0) {
      fail("redis.cluster", "set one of redis.url, redis.sentinel and redis.cluster, not two");
    }
    cluster_seeds(c.redis());
  }
  check_range(c.redis().cluster().refresh_interval_ms(), 50, 600'000, "redis.cluster.refresh_interval_ms");
  check_range(c.redis().command_timeout_ms(), 1, 600'000, "redis.command_timeout_ms");
  check_range(c.redis().connect_timeout_ms(), 1, 600'000, "redis.connect_timeout_ms");
  check_range(c.redis().reconnect_min_ms(), 1, 600'000, "redis.reconnect_min_ms");
  check_range(c.redis().reconnect_max_ms(), c.redis().reconnect_min_ms(), 600'000, "redis.reconnect_max_ms");
  check_range(c.redis().sentinel().check_interval_ms(), 50, 60'000, "redis.sentinel.check_interval_ms");
  check_range(c.redis().wait_replicas(), 0, 64, "redis.wait_replicas");
  check_range(c.redis().wait_timeout_ms(), 1, c.redis().command_timeout_ms() - 1, "redis.wait_timeout_ms");
  check_one_of(c.redis().embedded().appendfsync(), {"always", "everysec", "no"}, "redis.embedded.appendfsync");
  if (c.redis().embedded().data_dir().empty()) fail("redis.embedded.data_dir", "must not be empty");
  check_range(c.redis().embedded().start_timeout_ms(), 1, 600'000, "redis.embedded.start_timeout_ms");
  check_range(c.redis().embedded().aof_rewrite_min_mb(), 1, 1'048'576, "redis.embedded.aof_rewrite_min_mb");
  check_range(c.store().shard_groups(), 1, 16384, "store.shard_groups");
  check_range(c.store().dedupe_ttl_seconds(), 1, 365 * 86400, "store.dedupe_ttl_seconds");
  check_range(c.store().reopen_window_seconds(), 0, 365 * 86400, "store.reopen_window_seconds");
  if (c.store().key_prefix().empty() || c.store().key_prefix().find_first_of("{}: ") != std::string::npos) {
    fail("store.key_prefix", "must be non-empty without '{', '}', ':' or spaces");
  }
  check_one_of(c.log().level(), {"trace", "debug", "info", "warn", "error"}, "log.level");
  for (int i = 0; i < c.auth().keys_size(); ++i) {
    const std::string p = "auth.keys[" + std::to_string(i) + "]";
    if (c.auth().keys(i).kid().empty()) fail(p + ".kid", "must not be empty");
    if (c.auth().keys(i).secret().size() < 32) fail(p + ".secret", "must be at least 32 bytes");
  }
  check_range(c.auth().leeway_seconds(), 0, 600, "auth.leeway_seconds");
  check_range(c.auth().visitor_token_ttl_seconds(), 60, 365 * 86400, "auth.visitor_token_ttl_seconds");
  check_range(c.auth().visitor_tokens_per_minute_per_address(), 1, 1'000'000,
              "auth.visitor_tokens_per_minute_per_address");
  check_range(c.auth().visitor_token_burst(), 1, 1'000'000, "auth.visitor_token_burst");
  validate_queues(c.queues(), "queues");
  validate_agents(c.agents(), "agents");
  validate_people(c);
  validate_channels(c);
  check_range(c.router().lease_ttl_ms(), 300, 600'000, "router.lease_ttl_ms");
  check_range(c.router().agent_grace_seconds(), 0, 86400, "router.agent_grace_seconds");
  check_range(c.router().read_batch(), 1, 100'000, "router.read_batch");
  check_range(c.router().default_handle_seconds(), 1, 86400, "router.default_handle_seconds");
  check_one_of(c.log().format(), {"text", "json"}, "log.format");
}

}  // namespace

void validate_config(const v1::Config& c) { validate(c); }

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

std::string secret_env_name(const std::string& path) {
  std::string out = "SWITCHBOARD_";
  for (char c : path) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

v1::Config default_config() {
  v1::Config c;
  apply_defaults(c);  // every section, from the schema (proto/options.proto)
  return c;
}

void yaml_into(const std::string& yaml_text, pb::Message& out) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw config_error("(yaml): " + std::string(e.what()));
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) fail("(top)", "expected a map of sections");
  merge_map(root, out, "");
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config_error(path + ": cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void load_yaml_into(const std::string& path, pb::Message& out) {
  const std::string text = read_file(path);
  try {
    yaml_into(text, out);
  } catch (const config_error& e) {
    throw config_error(path + ": " + e.what());
  }
}

v1::Config parse_config(const std::string& yaml_text, const env_lookup& env) {
  v1::Config c = default_config();
  yaml_into(yaml_text, c);
  for (auto& q : *c.mutable_queues()) q = with_defaults(std::move(q));
  for (auto& a : *c.mutable_channels()->mutable_accounts()) apply_defaults(a);  // list elements: the schema's defaults
  for (auto& m : *c.mutable_channels()->mutable_email()->mutable_mailboxes()) apply_defaults(m);
  apply_secrets(c, "", env);
  validate(c);
  return c;
}

v1::Config load_config(const std::string& path, const env_lookup& env) {
  std::ifstream in(path);
  if (!in) throw config_error(path + ": cannot read the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_config(ss.str(), env);
  } catch (const config_error& e) {
    throw config_error(path + ": " + e.what());
  }
}

bool uses_embedded_redis(const v1::RedisConfig& redis) {
  return redis.url().empty() && redis.sentinel().addresses_size() == 0 && redis.cluster().seeds_size() == 0;
}

namespace {

// host:port each, or [v6]:port; a bad one fails naming "<key>[i]".
std::vector<redis_endpoint> host_ports(const google::protobuf::RepeatedPtrField<std::string>& list,
                                       const std::string& key_prefix) {
  std::vector<redis_endpoint> out;
  for (int i = 0; i < list.size(); ++i) {
    const std::string key = key_prefix + "[" + std::to_string(i) + "]";
    const std::string& a = list.Get(i);
    const auto colon = a.rfind(':');
    if (colon == std::string::npos || colon == 0) fail(key, "'" + a + "' is not host:port");
    redis_endpoint ep;
    ep.host = a.substr(0, colon);
    if (ep.host.size() > 2 && ep.host.front() == '[' && ep.host.back() == ']') ep.host = ep.host.substr(1, ep.host.size() - 2);
    const std::string port = a.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), ep.port);
    if (ec != std::errc() || end != port.data() + port.size() || ep.port < 1 || ep.port > 65535) {
      fail(key, "'" + a + "': the port must be a number from 1 to 65535");
    }
    out.push_back(std::move(ep));
  }
  return out;
}

}  // namespace

std::vector<redis_endpoint> sentinel_endpoints(const v1::RedisConfig& redis) {
  return host_ports(redis.sentinel().addresses(), "redis.sentinel.addresses");
}

std::vector<redis_endpoint> cluster_seeds(const v1::RedisConfig& redis) {
  return host_ports(redis.cluster().seeds(), "redis.cluster.seeds");
}

redis_endpoint parse_redis_url(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) fail("redis.url", "not a URL: '" + url + "'");
  if (u->scheme() != "redis") fail("redis.url", "scheme must be redis://");
  redis_endpoint ep;
  ep.host = u->host();
  if (ep.host.empty()) fail("redis.url", "no host");
  if (u->has_port()) {
    ep.port = u->port_number();
    if (ep.port == 0) fail("redis.url", "bad port");
  }
  if (u->has_password()) ep.password = u->password();
  std::string p = u->path();
  if (!p.empty() && p != "/") {
    std::string db = p.substr(1);
    int v = -1;
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), v);
    if (ec != std::errc() || end != db.data() + db.size() || v < 0) fail("redis.url", "database must be a number");
    ep.db = v;
  }
  return ep;
}

}  // namespace switchboard
