#include "gateway/protocol/frame_codec.hpp"

#include <google/protobuf/util/json_util.h>

namespace switchboard::gateway {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

decoded_frame failure(std::string code, std::string message) {
  decoded_frame d;
  d.error_code = std::move(code);
  d.error_message = std::move(message);
  return d;
}

}  // namespace

std::optional<wire_format> choose_subprotocol(std::string_view offered) {
  while (!offered.empty()) {
    const auto comma = offered.find(',');
    const auto name = trim(offered.substr(0, comma));
    if (name == kSubprotocolProto) return wire_format::proto;
    if (name == kSubprotocolJson) return wire_format::json;
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

std::string_view subprotocol_name(wire_format f) {
  return f == wire_format::proto ? kSubprotocolProto : kSubprotocolJson;
}

decoded_frame decode_client_frame(wire_format f, bool binary, std::string_view payload, std::size_t max_size) {
  if (payload.size() > max_size) {
    return failure("frame_too_large", "frame of " + std::to_string(payload.size()) + " bytes; the limit is " +
                                          std::to_string(max_size));
  }
  if (binary != is_binary(f)) {
    return failure("bad_frame_type", std::string("this connection speaks ") + std::string(subprotocol_name(f)) +
                                         ": send " + (is_binary(f) ? "binary" : "text") + " frames");
  }
  decoded_frame d;
  if (f == wire_format::proto) {
    if (!d.frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return failure("bad_frame", "not a switchboard.v1.ClientFrame");
    }
  } else {
    google::protobuf::util::JsonParseOptions opts;
    opts.ignore_unknown_fields = false;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(payload.data(), payload.size()), &d.frame, opts);
    if (!status.ok()) {
      // The refusal still carries the request id when the JSON names one (an unknown request type).
      auto refused = failure("bad_frame", std::string(status.message()));
      opts.ignore_unknown_fields = true;
      v1::ClientFrame lenient;
      if (google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(payload.data(), payload.size()),
                                                      &lenient, opts).ok()) {
        refused.frame.set_request_id(lenient.request_id());
      }
      return refused;
    }
  }
  if (d.frame.kind_case() == v1::ClientFrame::KIND_NOT_SET) {
    auto refused = failure("bad_frame", "the frame names no request (e.g. sendMessage)");
    refused.frame.set_request_id(d.frame.request_id());
    return refused;
  }
  d.ok = true;
  return d;
}

std::string encode_server_frame(wire_format f, const v1::ServerFrame& frame) {
  if (f == wire_format::proto) return frame.SerializeAsString();
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = false;  // lowerCamelCase, as the JSON mapping defines
  (void)google::protobuf::util::MessageToJsonString(frame, &out, opts);
  return out;
}

std::optional<role> role_from_name(std::string_view name) {
  if (name == "customer") return role::customer;
  if (name == "agent") return role::agent;
  if (name == "lead") return role::lead;
  if (name == "admin") return role::admin;
  return std::nullopt;
}

bool frame_allowed(role r, v1::ClientFrame::KindCase kind) {
  using K = v1::ClientFrame;
  switch (kind) {
    case K::kSendMessage:
    case K::kTyping:
    case K::kRead:
    case K::kResume:
    case K::kPing:
      return true;
    case K::kOpenConversation:
    case K::kRate:
    case K::kLeave:
    case K::kProveIdentity:
    case K::kConfirmIdentity:
      return r == role::customer;
    case K::kSetStatus:
    case K::kAnswerOffer:
    case K::kAddNote:
    case K::kTransfer:
    case K::kResolve:
    case K::kEscalate:
      return r != role::customer;
    case K::kMonitor:
    case K::kWhisper:
    case K::kBarge:
    case K::kTakeOver:
    case K::kReassign:
    case K::kSetPriority:
    case K::kReviewDraft:
      return r == role::lead || r == role::admin;
    case K::KIND_NOT_SET:
      return false;
  }
  return false;
}

}  // namespace switchboard::gateway
