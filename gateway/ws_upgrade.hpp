#pragma once
// The HTTP upgrade request handed from http_session to ws_session. Included only by those two
// Beast files.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace switchboard::gateway {

struct upgrade_request {
  boost::beast::http::request<boost::beast::http::string_body> req;
};

}  // namespace switchboard::gateway
