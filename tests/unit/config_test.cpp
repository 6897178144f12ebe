#include "core/config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace switchboard {
namespace {

env_lookup no_env() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The error message of parsing `yaml`, or "" if it parsed.
std::string error_of(const std::string& yaml) {
  try {
    parse_config(yaml, no_env());
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, EmptyFileGivesTheDefaults) {
  auto c = parse_config("", no_env());
  EXPECT_EQ(c.server().http_port(), 8080);
  EXPECT_EQ(c.store().shard_groups(), 256);
  EXPECT_EQ(c.redis().url(), "");
  EXPECT_EQ(c.redis().embedded().appendfsync(), "everysec");
  EXPECT_EQ(c.redis().embedded().aof_rewrite_min_mb(), 512);
}

TEST(Config, ShippedFileIsValid) {
  auto c = load_config(SWITCHBOARD_SOURCE_DIR "/config/switchboard.yaml", no_env());
  EXPECT_EQ(c.server().listen_address(), "127.0.0.1");
  EXPECT_EQ(c.log().format(), "text");
}

TEST(Config, ValuesOverrideDefaults) {
  auto c = parse_config("server:\n  http_port: 9000\nredis:\n  url: redis://h:7000/2\n", no_env());
  EXPECT_EQ(c.server().http_port(), 9000);
  EXPECT_EQ(c.server().threads(), 2);  // untouched default
  EXPECT_EQ(c.redis().url(), "redis://h:7000/2");
}

TEST(Config, UnknownKeyIsRejectedWithItsPath) {
  EXPECT_EQ(error_of("redis:\n  urll: x\n"), "redis.urll: unknown key");
  EXPECT_EQ(error_of("serve:\n  x: 1\n"), "serve: unknown key");
  EXPECT_EQ(error_of("redis:\n  embedded:\n    dir: x\n"), "redis.embedded.dir: unknown key");
}

TEST(Config, WrongTypeIsRejectedWithItsPath) {
  EXPECT_EQ(error_of("server:\n  http_port: soon\n"), "server.http_port: expected an integer, got 'soon'");
  EXPECT_EQ(error_of("server:\n  http_port: 80.5\n"), "server.http_port: expected an integer, got '80.5'");
  EXPECT_EQ(error_of("server: 5\n"), "server: expected a map");
  EXPECT_EQ(error_of("redis:\n  url: [a, b]\n"), "redis.url: expected a string, got a list");
  EXPECT_EQ(error_of("server:\n  http_port: 99999999999\n"), "server.http_port: integer out of range: '99999999999'");
}

TEST(Config, RangesAndChoicesAreChecked) {
  EXPECT_EQ(error_of("server:\n  http_port: 70000\n"), "server.http_port: must be between 0 and 65535, got 70000");
  EXPECT_EQ(error_of("redis:\n  embedded:\n    appendfsync: sometimes\n"),
            "redis.embedded.appendfsync: must be one of always, everysec, no, got 'sometimes'");
  EXPECT_EQ(error_of("redis:\n  embedded:\n    aof_rewrite_min_mb: 0\n"),
            "redis.embedded.aof_rewrite_min_mb: must be between 1 and 1048576, got 0");
  EXPECT_EQ(error_of("log:\n  level: loud\n"), "log.level: must be one of trace, debug, info, warn, error, got 'loud'");
  EXPECT_EQ(error_of("redis:\n  url: http://x\n"), "redis.url: scheme must be redis://");
  EXPECT_EQ(error_of("store:\n  shard_groups: 0\n"), "store.shard_groups: must be between 1 and 16384, got 0");
  EXPECT_EQ(error_of("redis:\n  reconnect_min_ms: 500\n  reconnect_max_ms: 100\n"),
            "redis.reconnect_max_ms: must be between 500 and 600000, got 100");
}

TEST(Config, BrokenYamlIsRejected) {
  EXPECT_NE(error_of("server: [\n").find("(yaml)"), std::string::npos);
  EXPECT_EQ(error_of("- a\n- b\n"), "(top): expected a map of sections");
}

TEST(Config, MissingFileNamesTheFile) {
  try {
    load_config("/nonexistent/switchboard.yaml", no_env());
    FAIL() << "expected an error";
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/switchboard.yaml: cannot read the config file");
  }
}

TEST(Config, SecretsComeFromTheEnvironment) {
  EXPECT_EQ(secret_env_name("redis.password"), "SWITCHBOARD_REDIS_PASSWORD");
  auto c = parse_config("redis:\n  password: from-file\n", env_of({{"SWITCHBOARD_REDIS_PASSWORD", "from-env"}}));
  EXPECT_EQ(c.redis().password(), "from-env");
  auto d = parse_config("redis:\n  password: from-file\n", no_env());
  EXPECT_EQ(d.redis().password(), "from-file");
  // Only fields marked secret are read from the environment.
  auto e = parse_config("", env_of({{"SWITCHBOARD_REDIS_URL", "redis://evil:1"}}));
  EXPECT_EQ(e.redis().url(), "");
}

TEST(Config, RedisUrlParses) {
  auto ep = parse_redis_url("redis://:s3cret@10.0.0.5:6380/3");
  EXPECT_EQ(ep.host, "10.0.0.5");
  EXPECT_EQ(ep.port, 6380);
  EXPECT_EQ(ep.password, "s3cret");
  EXPECT_EQ(ep.db, 3);
  auto d = parse_redis_url("redis://localhost");
  EXPECT_EQ(d.port, 6379);
  EXPECT_EQ(d.db, 0);
  EXPECT_THROW(parse_redis_url("redis://host/x"), config_error);
  EXPECT_THROW(parse_redis_url("not a url"), config_error);
}

TEST(Config, WaitingForReplicasIsCheckedAndNamesItsKey) {
  EXPECT_EQ(parse_config("redis: {wait_replicas: 1}\n", env_of({})).redis().wait_timeout_ms(), 200);
  EXPECT_EQ(error_of("redis: {wait_replicas: -1}\n").rfind("redis.wait_replicas: ", 0), 0u);
  // A wait as long as the command timeout would time the connection out first.
  EXPECT_EQ(error_of("redis: {wait_replicas: 1, wait_timeout_ms: 2000}\n").rfind("redis.wait_timeout_ms: ", 0), 0u);
  EXPECT_EQ(error_of("redis: {sentinel: {check_interval_ms: 10}}\n").rfind("redis.sentinel.check_interval_ms: ", 0), 0u);
}

TEST(Config, RedisSentinelIsCheckedAndNamesItsKey) {
  const std::string ok = "redis:\n  sentinel:\n    addresses: [\"10.0.0.1:26379\", \"[::1]:26380\"]\n    master_name: main\n";
  const auto c = parse_config(ok, env_of({}));
  EXPECT_FALSE(uses_embedded_redis(c.redis()));
  const auto at = sentinel_endpoints(c.redis());
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0].host, "10.0.0.1");
  EXPECT_EQ(at[0].port, 26379);
  EXPECT_EQ(at[1].host, "::1");
  EXPECT_EQ(at[1].port, 26380);
  EXPECT_TRUE(uses_embedded_redis(parse_config("", env_of({})).redis()));
  EXPECT_EQ(error_of("redis:\n  url: redis://x\n  sentinel: {addresses: [\"a:1\"], master_name: m}\n"),
            "redis.sentinel: set either redis.url or redis.sentinel, not both");
  EXPECT_EQ(error_of("redis:\n  sentinel: {master_name: m}\n"),
            "redis.sentinel.addresses: must name at least one sentinel (host:port)");
  EXPECT_EQ(error_of("redis:\n  sentinel: {addresses: [\"a:1\"]}\n"),
            "redis.sentinel.master_name: must not be empty (the name the sentinels monitor)");
  EXPECT_EQ(error_of("redis:\n  sentinel: {addresses: [\"a:1\", \"b\"], master_name: m}\n"),
            "redis.sentinel.addresses[1]: 'b' is not host:port");
  EXPECT_EQ(error_of("redis:\n  sentinel: {addresses: [\"a:99999\"], master_name: m}\n"),
            "redis.sentinel.addresses[0]: 'a:99999': the port must be a number from 1 to 65535");
}

TEST(Config, RedisClusterIsCheckedAndNamesItsKey) {
  const auto c = parse_config("redis:\n  cluster: {seeds: [\"10.0.0.1:7000\", \"[::1]:7001\"]}\n", env_of({}));
  EXPECT_FALSE(uses_embedded_redis(c.redis()));
  const auto seeds = cluster_seeds(c.redis());
  ASSERT_EQ(seeds.size(), 2u);
  EXPECT_EQ(seeds[0].host, "10.0.0.1");
  EXPECT_EQ(seeds[1].host, "::1");
  EXPECT_EQ(seeds[1].port, 7001);
  EXPECT_EQ(c.redis().cluster().refresh_interval_ms(), 1000);
  EXPECT_EQ(error_of("redis:\n  url: redis://x\n  cluster: {seeds: [\"a:1\"]}\n"),
            "redis.cluster: set one of redis.url, redis.sentinel and redis.cluster, not two");
  EXPECT_EQ(error_of("redis:\n  cluster: {seeds: [\"a\"]}\n"), "redis.cluster.seeds[0]: 'a' is not host:port");
  EXPECT_EQ(error_of("redis: {cluster: {refresh_interval_ms: 5}}\n").rfind("redis.cluster.refresh_interval_ms: ", 0), 0u);
}

}  // namespace
}  // namespace switchboard

namespace switchboard {
namespace {

TEST(ConfigQueues, TheShippedQueuesLoad) {
  auto c = load_config(SWITCHBOARD_SOURCE_DIR "/config/switchboard.yaml", no_env());
  ASSERT_EQ(c.queues_size(), 6);
  EXPECT_EQ(c.queues(1).policy().strategy(), v1::BEST_SKILL_MATCH);
  EXPECT_EQ(c.queues(1).policy().overflow_queue(), "general");
  EXPECT_EQ(c.queues(2).policy().relax(0).any_team(), true);
  // Each team's escalation queue, served by its leads.
  EXPECT_EQ(c.queues(4).name(), "escalations-care");
  EXPECT_EQ(c.queues(4).required_skills(0).name(), "lead");
  ASSERT_EQ(c.agents_size(), 2);
  EXPECT_EQ(c.agents(0).id(), "ana");
  EXPECT_EQ(c.router().lease_ttl_ms(), 3000);
  // Mail for support@ on loopback, into the email queue; agents hold more emails than chats.
  EXPECT_EQ(c.channels().email().smtp_listen(), "127.0.0.1:2525");
  EXPECT_EQ(c.channels().email().inboxes(0).queue(), "email");
  EXPECT_EQ(c.queues(3).name(), "email");
}

TEST(ConfigChannels, EmailIsCheckedWithTheKeysPath) {
  const std::string inbox = "channels:\n  email:\n    inboxes: [{address: support@example.com}]\n";
  auto c = parse_config(inbox, env_of({{"SWITCHBOARD_CHANNELS_EMAIL_REPLY_SECRET", std::string(32, 'k')}}));
  EXPECT_EQ(c.channels().email().reply_secret(), std::string(32, 'k'));
  EXPECT_EQ(c.channels().email().max_message_bytes(), 10485760);
  EXPECT_EQ(c.channels().email().subject_window_hours(), 72);
  EXPECT_EQ(error_of(inbox), "channels.email.reply_secret: must be at least 32 bytes (set it in SWITCHBOARD_CHANNELS_EMAIL_REPLY_SECRET)");
  const std::string secret = "    reply_secret: " + std::string(32, 'k') + "\n";
  const auto email = [&](const std::string& more) { return error_of("channels:\n  email:\n" + more + secret); };
  EXPECT_EQ(email("    inboxes: [{address: support+x@example.com}]\n"),
            "channels.email.inboxes[0].address: must be a plain address (support@example.com, no '+': reply addresses add one)");
  EXPECT_EQ(email("    inboxes: [{address: nobody}]\n").substr(0, 35), "channels.email.inboxes[0].address: ");
  EXPECT_EQ(email("    inboxes: [{address: a@x.org}, {address: A@X.org}]\n"), "channels.email.inboxes[1].address: 'A@X.org' is listed twice");
  EXPECT_EQ(email("    inboxes: [{address: a@x.org, queue: nope}]\n"), "channels.email.inboxes[0].queue: no queue is named 'nope'");
  EXPECT_EQ(email("    smtp_listen: 127.0.0.1:2525\n"), "channels.email.inboxes: must name at least one address when smtp_listen is set");
  EXPECT_EQ(email("    inboxes: [{address: a@x.org}]\n    smtp_listen: nowhere\n"),
            "channels.email.smtp_listen: must be address:port (0.0.0.0:25, 127.0.0.1:2525)");
  EXPECT_EQ(email("    tls_certificate_file: /nonexistent.pem\n"),
            "channels.email.tls_key_file: is required with the other: a certificate and its key");
  EXPECT_EQ(email("    tls_certificate_file: /nonexistent.pem\n    tls_key_file: /nonexistent.key\n"),
            "channels.email.tls_certificate_file: cannot read '/nonexistent.pem'");
  EXPECT_EQ(email("    tls_required: true\n"), "channels.email.tls_required: needs tls_certificate_file and tls_key_file");
  EXPECT_EQ(email("    max_message_bytes: 10\n"), "channels.email.max_message_bytes: must be between 1024 and 104857600, got 10");
  EXPECT_EQ(email("    hostname: 'a b'\n"), "channels.email.hostname: must be a host name (mail.example.com)");
}

TEST(ConfigChannels, MailboxesGetDefaultsAndBadOnesNameTheKey) {
  const std::string head = "channels:\n  email:\n    reply_secret: " + std::string(32, 'k') + "\n    inboxes: [{address: s@x.org}]\n";
  const std::string box = "    mailboxes:\n      - {host: imap.x.org, username: s@x.org";
  auto c = parse_config(head + box + "}\n", env_of({{"SWITCHBOARD_CHANNELS_EMAIL_MAILBOXES_0_PASSWORD", "pw"}}));
  const auto& m = c.channels().email().mailboxes(0);
  EXPECT_EQ(m.password(), "pw");
  EXPECT_EQ(m.port(), 993);
  EXPECT_EQ(m.tls(), "implicit");
  EXPECT_EQ(m.folder(), "INBOX");
  EXPECT_EQ(m.poll_seconds(), 60);
  const auto bad = [&](const std::string& more) { return error_of(head + box + more + "}\n"); };
  EXPECT_EQ(bad(""), "channels.email.mailboxes[0].password: is required (set it in SWITCHBOARD_CHANNELS_EMAIL_MAILBOXES_0_PASSWORD)");
  EXPECT_EQ(bad(", password: p, tls: none"),
            "channels.email.mailboxes[0].tls: may be none only for a server on loopback: a password never goes in the clear");
  EXPECT_EQ(bad(", password: p, tls: ssl"), "channels.email.mailboxes[0].tls: must be one of implicit, starttls, none, got 'ssl'");
  EXPECT_EQ(bad(", password: p, folder: \"Entw\u00fcrfe\""), "channels.email.mailboxes[0].folder: must be a folder name in printable ASCII (INBOX)");
  EXPECT_EQ(bad(", password: p, move_to: INBOX"), "channels.email.mailboxes[0].move_to: must be another folder than folder");
  EXPECT_EQ(bad(", password: p, inbox: other@x.org"), "channels.email.mailboxes[0].inbox: 'other@x.org' is not one of channels.email.inboxes");
  EXPECT_EQ(bad(", password: p, poll_seconds: 2000"), "channels.email.mailboxes[0].poll_seconds: must be between 1 and 1500, got 2000");
  EXPECT_EQ(error_of("channels:\n  email:\n" + box + ", password: p}\n"),
            "channels.email.inboxes: must name at least one address when mailboxes are read");
  EXPECT_EQ(parse_config(head + box + ", password: p, inbox: S@X.org, tls: none, host: 127.0.0.1}\n", env_of({})).channels().email().mailboxes(0).inbox(),
            "S@X.org");
}

TEST(ConfigAgents, BadProfilesNameTheKey) {
  EXPECT_EQ(error_of("agents: [{id: a}, {id: a}]\n"), "agents[1].id: 'a' is used twice");
  EXPECT_EQ(error_of("agents: [{id: a, capacity: [{max_concurrent: 2}]}]\n"),
            "agents[0].capacity[0].channel: must name a channel");
  EXPECT_EQ(error_of("router: {lease_ttl_ms: 10}\n"), "router.lease_ttl_ms: must be between 300 and 600000, got 10");
}

TEST(ConfigQueues, BadQueuesNameTheKey) {
  EXPECT_EQ(error_of("queues: [{name: a}, {name: a}]\n"), "queues[1].name: 'a' is used twice");
  EXPECT_EQ(error_of("queues: [{name: a, policy: {overflow_queue: b}}]\n"),
            "queues[0].policy.overflow_queue: no queue named 'b'");
  EXPECT_EQ(error_of("queues: [{name: a, required_skills: [{name: x, proficiency: 7}]}]\n"),
            "queues[0].required_skills[0].proficiency: must be between 1 and 5, got 7");
  EXPECT_EQ(error_of("queues: [{name: a, policy: {strategy: fastest}}]\n"),
            "queues[0].policy.strategy: unknown value 'fastest' (one of: LONGEST_IDLE, LEAST_OCCUPIED, "
            "BEST_SKILL_MATCH, ROUND_ROBIN)");
  EXPECT_EQ(error_of("queues: [{name: a, policy: {relax: [{after_seconds: 60}, {after_seconds: 30}]}}]\n"),
            "queues[0].policy.relax[1].after_seconds: steps must be in order of after_seconds");
}

}  // namespace
}  // namespace switchboard

namespace switchboard {
namespace {

TEST(ConfigAuth, KeySecretsComeFromTheEnvironmentByIndex) {
  const std::string yaml = "auth:\n  keys:\n    - {kid: a, secret: file-secret-0123456789abcdef0123456789}\n"
                           "    - {kid: b, secret: file-secret-0123456789abcdef0123456789}\n";
  auto c = parse_config(yaml, env_of({{"SWITCHBOARD_AUTH_KEYS_1_SECRET", "env-secret-0123456789abcdef0123456789"}}));
  EXPECT_EQ(c.auth().keys(0).secret(), "file-secret-0123456789abcdef0123456789");
  EXPECT_EQ(c.auth().keys(1).secret(), "env-secret-0123456789abcdef0123456789");
  EXPECT_EQ(error_of("auth:\n  keys: [{kid: a, secret: short}]\n"), "auth.keys[0].secret: must be at least 32 bytes");
  EXPECT_EQ(error_of("auth:\n  keys: [{secret: 0123456789abcdef0123456789abcdef}]\n"),
            "auth.keys[0].kid: must not be empty");
}

TEST(ConfigChannels, AccountsAndTheirSecrets) {
  const std::string yaml =
      "channels:\n  public_url: https://support.example.com\n  accounts:\n"
      "    - {provider: whatsapp, id: main, verify_token: v}\n"
      "    - {provider: twilio, id: sms, auth_token: t}\n";
  auto c = parse_config(yaml, env_of({{"SWITCHBOARD_CHANNELS_ACCOUNTS_0_APP_SECRET", "from-the-environment"}}));
  EXPECT_EQ(c.channels().accounts(0).app_secret(), "from-the-environment");
  EXPECT_EQ(c.channels().max_webhook_bytes(), 262144);
  EXPECT_EQ(error_of("channels:\n  accounts: [{provider: whatsapp, id: main, verify_token: v}]\n"),
            "channels.accounts[0].app_secret: is required for whatsapp (set it in SWITCHBOARD_CHANNELS_ACCOUNTS_0_APP_SECRET)");
  EXPECT_EQ(error_of("channels:\n  accounts: [{provider: twilio, id: sms, auth_token: t}]\n"),
            "channels.public_url: is required with a twilio account (Twilio signs the URL it posts to)");
  EXPECT_EQ(error_of("channels:\n  accounts: [{provider: telegram, id: a/b, secret_token: s}]\n"),
            "channels.accounts[0].id: must be 1-64 letters, digits, '-' or '_'");
  EXPECT_EQ(error_of("channels:\n  accounts: [{provider: telegram, id: a, secret_token: s}, {provider: telegram, id: a, secret_token: s}]\n"),
            "channels.accounts[1].id: 'a' is used twice for telegram");
  EXPECT_EQ(error_of("channels:\n  accounts: [{provider: telegram, id: a, secret_token: s, queue: nope}]\n"),
            "channels.accounts[0].queue: no queue is named 'nope'");
  EXPECT_NE(error_of("channels:\n  accounts: [{provider: viber, id: a}]\n").find("channels.accounts[0].provider"), std::string::npos);
}

TEST(ConfigChannels, WhatsAppTemplatesAreCheckedAgainstTheirBodies) {
  const std::string ok =
      "channels:\n  whatsapp_templates:\n"
      "    - {name: order_update, language: en_US, body: 'Hi {{1}}, order {{2}} has shipped.', variables: [name, order]}\n"
      "    - {name: order_update, language: es_ES, body: 'Hola {{1}}, el pedido {{2}} ha salido.', variables: [name, order]}\n";
  EXPECT_EQ(parse_config(ok, env_of({})).channels().whatsapp_templates(1).language(), "es_ES");
  const auto one = [](const std::string& t) { return "channels:\n  whatsapp_templates:\n    - " + t + "\n"; };
  EXPECT_EQ(error_of(one("{name: Order-Update, language: en, body: hi}")),
            "channels.whatsapp_templates[0].name: must be 1-512 lower-case letters, digits or '_', as WhatsApp Manager names it");
  EXPECT_EQ(error_of(one("{name: hello, body: hi}")),
            "channels.whatsapp_templates[0].language: is required (the language code it was approved in, e.g. en_US)");
  EXPECT_EQ(error_of(one("{name: hello, language: en, body: 'Hi {{2}}', variables: [a, b]}")),
            "channels.whatsapp_templates[0].body: its placeholders must be {{1}}, {{2}}, ... with none skipped");
  EXPECT_EQ(error_of(one("{name: hello, language: en, body: 'Hi {{1}}', variables: [a, b]}")),
            "channels.whatsapp_templates[0].variables: the body takes 1 variable(s), 2 named");
}

TEST(ConfigChannels, MediaLimitsAndTypesNameTheirKey) {
  const auto c = parse_config("channels:\n  media: {max_bytes: 5242880, allowed_types: [image/*, application/pdf]}\n", env_of({}));
  EXPECT_EQ(c.channels().media().max_bytes(), 5242880);
  EXPECT_EQ(c.channels().media().fetch_attempts(), 4);
  EXPECT_EQ(parse_config("", env_of({})).channels().media().max_bytes(), 20 << 20);
  EXPECT_EQ(error_of("channels:\n  media: {max_bytes: 10}\n"), "channels.media.max_bytes: must be between 1024 and 1073741824, got 10");
  EXPECT_EQ(error_of("channels:\n  media: {allowed_types: [image/*, 'Image/PNG']}\n"),
            "channels.media.allowed_types[1]: must be a lower-case MIME type (image/png) or a family (image/*)");
  EXPECT_EQ(error_of("channels:\n  media: {allowed_types: ['*/*']}\n"),
            "channels.media.allowed_types[0]: must be a lower-case MIME type (image/png) or a family (image/*)");
  EXPECT_EQ(error_of("channels:\n  media: {fetch_attempts: 0}\n"), "channels.media.fetch_attempts: must be between 1 and 100, got 0");
  EXPECT_EQ(error_of("channels:\n  media: {url_secret: short}\n"), "channels.media.url_secret: must be at least 32 bytes");
}

}  // namespace
}  // namespace switchboard
