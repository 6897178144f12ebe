// serve's command-line values (--roles, --listen, --smtp-listen) and their checks (app/serve.hpp).
#include <boost/asio/ip/address.hpp>

#include <string>

#include "app/serve.hpp"

namespace switchboard::app {

namespace asio = boost::asio;

roles parse_roles(const std::string& list) {
  roles r{false, false, false};
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const auto name = list.substr(start, end - start);
    if (name == "gateway") r.gateway = true;
    else if (name == "router") r.router = true;
    else if (name == "outbox") r.outbox = true;
    else throw option_error("--roles: unknown role '" + name + "' (gateway, router, outbox)");
    start = end + 1;
  }
  return r;
}

listen_endpoint parse_listen(const std::string& text, const std::string& option) {
  const std::string named = option + " '" + text + "'";
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw option_error(named + ": expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080");
  }
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    throw option_error(named + ": the port must be a number from 0 to 65535 (0: a free one)");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    throw option_error(named + ": an IPv6 address goes in brackets, e.g. [::1]:8080");
  }
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec) throw option_error(named + ": '" + host + "' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, [::1])");
  return {host, std::stoi(port)};
}

}  // namespace switchboard::app
