#include "net/mail_servers.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <tuple>

namespace switchboard::net {

namespace {

constexpr std::size_t kMaxHosts = 10;
constexpr std::size_t kMaxAddresses = 4;

// One resolver state, pointed at `server` ("host:port", an IPv4 address) when given.
class resolver {
 public:
  explicit resolver(const std::string& server) {
    std::memset(&state_, 0, sizeof state_);
    ok_ = res_ninit(&state_) == 0;
    if (!ok_ || server.empty()) return;
    const auto colon = server.rfind(':');
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(static_cast<std::uint16_t>(colon == std::string::npos ? 53 : std::atoi(server.c_str() + colon + 1)));
    ok_ = inet_pton(AF_INET, server.substr(0, colon).c_str(), &at.sin_addr) == 1;
    state_.nsaddr_list[0] = at;
    state_.nscount = 1;
  }
  ~resolver() {
    if (ok_) res_nclose(&state_);
  }
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  bool ok() const { return ok_; }

  enum class outcome { records, no_records, no_domain, failed };
  // The records of `type` for `name`, each its rdata and the whole message (for names in it).
  outcome query(const std::string& name, int type, std::vector<unsigned char>& msg, std::vector<ns_rr>& records) {
    msg.assign(8192, 0);
    const int n = res_nquery(&state_, name.c_str(), ns_c_in, type, msg.data(), static_cast<int>(msg.size()));
    if (n < 0) {
      if (state_.res_h_errno == HOST_NOT_FOUND) return outcome::no_domain;
      return state_.res_h_errno == NO_DATA ? outcome::no_records : outcome::failed;
    }
    msg.resize(static_cast<std::size_t>(std::min(n, static_cast<int>(msg.size()))));
    ns_msg parsed;
    if (ns_initparse(msg.data(), static_cast<int>(msg.size()), &parsed) < 0) return outcome::failed;
    records.clear();
    for (int i = 0; i < ns_msg_count(parsed, ns_s_an); ++i) {
      ns_rr rr;
      if (ns_parserr(&parsed, ns_s_an, i, &rr) == 0 && ns_rr_type(rr) == type) records.push_back(rr);
    }
    return records.empty() ? outcome::no_records : outcome::records;
  }

 private:
  struct __res_state state_;
  bool ok_ = false;
};

// The host's addresses, IPv4 first. false: the resolver failed (not: the host has none).
bool addresses_of(resolver& r, const std::string& host, std::vector<std::string>& out) {
  std::vector<unsigned char> msg;
  std::vector<ns_rr> records;
  for (const auto& [type, family, size] : {std::tuple{ns_t_a, AF_INET, 4}, std::tuple{ns_t_aaaa, AF_INET6, 16}}) {
    const auto got = r.query(host, type, msg, records);
    if (got == resolver::outcome::failed) return false;
    for (const auto& rr : records) {
      char text[INET6_ADDRSTRLEN] = {};
      if (ns_rr_rdlen(rr) == size && inet_ntop(family, ns_rr_rdata(rr), text, sizeof text) && out.size() < kMaxAddresses) {
        out.emplace_back(text);
      }
    }
  }
  return true;
}

}  // namespace

mail_route find_mail_servers(const std::string& domain, const std::string& dns_server) {
  mail_route route;
  resolver r(dns_server);
  if (!r.ok()) {
    route.error = "no DNS resolver" + (dns_server.empty() ? std::string() : " at " + dns_server);
    return route;
  }
  std::vector<unsigned char> msg;
  std::vector<ns_rr> records;
  const auto got = r.query(domain, ns_t_mx, msg, records);
  if (got == resolver::outcome::failed) {
    route.error = "DNS: no answer for the mail servers of " + domain;
    return route;
  }
  if (got == resolver::outcome::no_domain) {
    route.error = "the domain " + domain + " does not exist";
    route.permanent = true;
    return route;
  }
  std::vector<std::pair<int, std::string>> hosts;  // preference, name
  for (const auto& rr : records) {
    if (ns_rr_rdlen(rr) < 3) continue;
    char name[NS_MAXDNAME] = {};
    if (dn_expand(msg.data(), msg.data() + msg.size(), ns_rr_rdata(rr) + 2, name, sizeof name) < 0) continue;
    hosts.emplace_back(ns_get16(ns_rr_rdata(rr)), name);
  }
  if (hosts.size() == 1 && (hosts[0].second.empty() || hosts[0].second == ".")) {
    route.error = domain + " takes no mail (its MX is null, RFC 7505)";
    route.permanent = true;
    return route;
  }
  if (hosts.empty()) hosts.emplace_back(0, domain);  // no MX: the domain is its own mail server
  std::shuffle(hosts.begin(), hosts.end(), std::mt19937(std::random_device()()));
  std::stable_sort(hosts.begin(), hosts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (hosts.size() > kMaxHosts) hosts.resize(kMaxHosts);
  bool failed = false;
  for (const auto& [preference, host] : hosts) {
    std::vector<std::string> addresses;
    failed = !addresses_of(r, host, addresses) || failed;
    for (auto& a : addresses) route.servers.push_back(mail_server{host, std::move(a)});
  }
  if (route.servers.empty()) {
    route.error = failed ? "DNS: no answer for the addresses of " + domain + "'s mail servers"
                         : "the mail servers of " + domain + " have no address";
  }
  return route;
}

}  // namespace switchboard::net
