#pragma once
// Where mail for a domain goes (RFC 5321 §5.1), for answers delivered straight to the customer's
// servers (channels.email.deliver_direct; outbox/mail_sender.hpp): the domain's MX hosts by
// preference (hosts of equal preference in random order, to share the load as senders must), each
// with its IPv4 then IPv6 addresses; a domain without MX is its own mail server (its A/AAAA). A
// null MX ("0 .", RFC 7505) or a domain that does not exist means no mail ever goes there: a
// permanent failure; a resolver that does not answer is a temporary one. At most 10 hosts and 4
// addresses each. Asks the system's resolver (/etc/resolv.conf) or `server` ("127.0.0.1:5353").
// Blocking (libresolv, which reads every DNS answer with its own parser): run it off the event
// loop. Thread-safe (each call has its own resolver state).

#include <string>
#include <vector>

namespace switchboard::net {

struct mail_server {
  std::string host;     // the MX host's name ("mx1.example.org")
  std::string address;  // one of its addresses ("192.0.2.7", "2001:db8::7")
};

struct mail_route {
  std::vector<mail_server> servers;  // in the order to try them
  std::string error;                 // when there are none: why
  bool permanent = false;            // ... and whether it can never change (no such domain, null MX)
};

mail_route find_mail_servers(const std::string& domain, const std::string& dns_server);

}  // namespace switchboard::net
