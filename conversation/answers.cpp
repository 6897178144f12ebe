#include "conversation/answers.hpp"

#include "core/error.hpp"
#include "store/timeline.hpp"

namespace switchboard::conversation {

v1::ServerFrame error_frame(std::string request_id, std::string code, std::string message, bool retry) {
  v1::ServerFrame f;
  f.set_request_id(std::move(request_id));
  auto* e = f.mutable_error();
  e->set_code(std::move(code));
  e->set_message(std::move(message));
  e->set_retry(retry);
  return f;
}

v1::ServerFrame error_for(const std::string& request_id, const boost::system::error_code& ec) {
  if (is_retryable(ec)) return error_frame(request_id, "retry", "storage is unavailable; send the same frame again", true);
  if (ec == errc::not_found) return error_frame(request_id, "not_found", "no such conversation");
  if (ec == errc::bad_input) return error_frame(request_id, "bad_request", "the request cannot be stored as it is");
  if (ec == errc::conflict) return error_frame(request_id, "conflict", "the request contradicts the current state");
  return error_frame(request_id, "internal", ec.message());
}

v1::ServerFrame ack_frame(const std::string& request_id, const std::string& conversation, std::int64_t seq,
                          bool duplicate) {
  v1::ServerFrame f;
  f.set_request_id(request_id);
  f.mutable_ack()->set_conversation_id(conversation);
  f.mutable_ack()->set_seq(seq);
  f.mutable_ack()->set_duplicate(duplicate);
  return f;
}

v1::ServerFrame ack_frame(const std::string& request_id, const store::append_result& r) {
  return ack_frame(request_id, r.conversation_id, r.seq, r.duplicate);
}

}  // namespace switchboard::conversation
