#include "gateway/protocol/ws_framing.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>

namespace switchboard::gateway::ws {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 §1.3

bool is_control(opcode op) { return static_cast<std::uint8_t>(op) >= 8; }

bool known_opcode(std::uint8_t op) { return op <= 2 || (op >= 8 && op <= 10); }

// Codes a peer may put in a close frame (§7.4.1, §7.4.2): not the reserved 1004-1006 and 1015.
bool valid_close_code(std::uint16_t c) {
  if (c >= 3000 && c <= 4999) return true;
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014);
}

}  // namespace

std::string accept_key(std::string_view client_key) {
  std::string input(client_key);
  input += kGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr);
  std::string out(4 * ((digest_len + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(digest_len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool valid_client_key(std::string_view k) {
  // 16 bytes in base64: 22 significant characters, then "==".
  if (k.size() != 24 || k.substr(22) != "==") return false;
  return std::all_of(k.begin(), k.begin() + 22, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

std::string handshake_response(std::string_view client_key, std::string_view subprotocol) {
  std::string r =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  r += accept_key(client_key);
  r += "\r\nSec-WebSocket-Protocol: ";
  r += subprotocol;
  r += "\r\nServer: switchboard\r\n\r\n";
  return r;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += n + 1;
  }
  return true;
}

frame_header make_header(opcode op, std::size_t size) {
  frame_header h;
  h.bytes[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
  if (size < 126) {
    h.bytes[1] = static_cast<std::uint8_t>(size);
    h.size = 2;
  } else if (size <= 0xFFFF) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<std::uint8_t>(size >> 8);
    h.bytes[3] = static_cast<std::uint8_t>(size);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) h.bytes[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(size) >> (56 - 8 * i));
    h.size = 10;
  }
  return h;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  reason = reason.substr(0, 123);
  // Never cut a UTF-8 sequence in half.
  while (!reason.empty() && !valid_utf8(reason)) reason.remove_suffix(1);
  p += reason;
  return p;
}

void frame_reader::fail(frame_handler& h, std::uint16_t code, std::string_view why) {
  stopped_ = true;
  message_ = std::string();
  control_ = std::string();
  h.on_violation(code, why);
}

bool frame_reader::start_frame(frame_handler& h) {
  const std::uint8_t b0 = header_[0], b1 = header_[1];
  fin_ = (b0 & 0x80) != 0;
  const std::uint8_t raw_op = b0 & 0x0F;
  if ((b0 & 0x70) != 0) return fail(h, close_code::protocol_error, "reserved bits set"), false;
  if (!known_opcode(raw_op)) return fail(h, close_code::protocol_error, "unknown opcode"), false;
  if ((b1 & 0x80) == 0) return fail(h, close_code::protocol_error, "client frames must be masked"), false;
  op_ = static_cast<opcode>(raw_op);
  const std::uint8_t len7 = b1 & 0x7F;
  std::uint64_t len = len7;
  std::size_t at = 2;
  if (len7 == 126) {
    len = (std::uint64_t{header_[2]} << 8) | header_[3];
    at = 4;
  } else if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | header_[2 + i];
    at = 10;
    if (len >> 63) return fail(h, close_code::protocol_error, "bad length"), false;
  }
  std::copy_n(header_ + at, 4, mask_);
  mask_offset_ = 0;
  remaining_ = len;
  if (is_control(op_)) {
    if (!fin_) return fail(h, close_code::protocol_error, "fragmented control frame"), false;
    if (len > 125) return fail(h, close_code::protocol_error, "control frame too long"), false;
    control_.clear();
    return true;
  }
  if (op_ == opcode::continuation && !fragmented_) {
    return fail(h, close_code::protocol_error, "continuation without a message"), false;
  }
  if (op_ != opcode::continuation && fragmented_) {
    return fail(h, close_code::protocol_error, "new message inside a fragmented one"), false;
  }
  if (op_ != opcode::continuation) message_binary_ = op_ == opcode::binary;
  if (len > max_message_ - std::min(max_message_, message_.size())) {
    return fail(h, close_code::too_big, "message too big"), false;
  }
  message_.reserve(message_.size() + static_cast<std::size_t>(len));
  return true;
}

void frame_reader::end_frame(frame_handler& h) {
  stage_ = stage::header;
  header_have_ = 0;
  header_need_ = 2;
  if (is_control(op_)) {
    if (op_ == opcode::ping) return h.on_ping(control_);
    if (op_ == opcode::pong) return h.on_pong(control_);
    if (control_.size() == 1) return fail(h, close_code::protocol_error, "close frame of one byte");
    std::uint16_t code = 1005;  // no status received
    std::string_view reason;
    if (control_.size() >= 2) {
      code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(control_[0]) << 8) |
                                        static_cast<std::uint8_t>(control_[1]));
      reason = std::string_view(control_).substr(2);
      if (!valid_close_code(code)) return fail(h, close_code::protocol_error, "bad close code");
      if (!valid_utf8(reason)) return fail(h, close_code::invalid_payload, "close reason is not UTF-8");
    }
    stopped_ = true;
    return h.on_close(code, reason);
  }
  if (!fin_) {
    fragmented_ = true;
    return;
  }
  fragmented_ = false;
  if (!message_binary_ && !valid_utf8(message_)) return fail(h, close_code::invalid_payload, "text is not UTF-8");
  std::string done = std::exchange(message_, std::string());
  h.on_message(message_binary_, std::move(done));
}

void frame_reader::feed(std::string_view in, frame_handler& h) {
  std::size_t i = 0;
  while (i < in.size() && !stopped_) {
    if (stage_ != stage::payload) {
      // The header: 2 bytes, then the length's extension and the mask once the 2 say how long.
      while (header_have_ < header_need_ && i < in.size()) header_[header_have_++] = static_cast<std::uint8_t>(in[i++]);
      if (header_have_ < header_need_) return;
      if (header_need_ == 2) {
        const std::uint8_t len7 = header_[1] & 0x7F;
        const bool masked = (header_[1] & 0x80) != 0;  // if not, start_frame refuses it
        header_need_ = static_cast<std::uint8_t>(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0));
        if (header_need_ > 2) continue;
      }
      if (!start_frame(h)) return;
      stage_ = stage::payload;
      if (remaining_ == 0) {
        end_frame(h);
        continue;
      }
    }
    std::string& target = is_control(op_) ? control_ : message_;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - i));
    const std::size_t base = target.size();
    target.resize(base + n);
    for (std::size_t k = 0; k < n; ++k) target[base + k] = static_cast<char>(in[i + k] ^ mask_[(mask_offset_ + k) & 3]);
    mask_offset_ += n;
    remaining_ -= n;
    i += n;
    if (remaining_ == 0) end_frame(h);
  }
}

}  // namespace switchboard::gateway::ws
