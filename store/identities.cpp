#include "store/identities.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "store/merged_timeline.hpp"
#include "store/scripts.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string member_of(v1::Channel c, const std::string& address) {
  return std::string(channel_name(c)) + ":" + address;
}

}  // namespace

std::optional<std::pair<v1::Channel, std::string>> parse_identity_member(std::string_view member) {
  auto colon = member.find(':');
  if (colon == std::string_view::npos || colon + 1 == member.size()) return std::nullopt;
  auto ch = channel_from_name(member.substr(0, colon));
  if (!ch) return std::nullopt;
  return std::make_pair(*ch, std::string(member.substr(colon + 1)));
}

identity_repository::identity_repository(redis_client& redis, const key_layout& keys, id_generator& ids,
                                         const clock& clk)
    : redis_(redis), keys_(keys), ids_(ids), clock_(clk) {}

asio::awaitable<result<std::optional<std::string>>> identity_repository::find(v1::Channel channel, std::string address) {
  auto [ec, r] = co_await redis_.async_exec(cmd("GET", keys_.identity(channel, address)), use_tuple);
  if (ec) co_return ec;
  if (!r.is_string()) co_return std::optional<std::string>();
  co_return std::optional<std::string>(r.str);
}

asio::awaitable<result<resolved_identity>> identity_repository::resolve(v1::Channel channel, std::string address) {
  if (address.empty() || channel_name(channel) == "unknown") co_return error_code(errc::bad_input);
  const std::string idkey = keys_.identity(channel, address);
  {
    auto [ec, r] = co_await redis_.async_exec(cmd("GET", idkey), use_tuple);
    if (ec) co_return ec;
    if (r.is_string()) co_return resolved_identity{r.str, false};
  }
  // New address: write the customer record first, then claim the address atomically. If another
  // caller claimed it in between, its customer wins and our record is removed.
  const std::string id = ids_.next();
  const std::string now = std::to_string(clock_.unix_ms());
  auto [ec1, r1] = co_await redis_.async_exec(cmd("HSET", keys_.customer(id), "created_at_ms", now), use_tuple);
  if (ec1) co_return ec1;
  auto [ec2, r2] = co_await redis_.async_exec(cmd("SADD", keys_.customer_identities(id), member_of(channel, address)), use_tuple);
  if (ec2) co_return ec2;
  auto [ec3, r3] = co_await redis_.async_exec(cmd("SET", idkey, id, "NX", "GET"), use_tuple);
  if (ec3) co_return ec3;
  if (r3.is_nil()) co_return resolved_identity{id, true};
  co_await redis_.async_exec(cmd("DEL", keys_.customer(id), keys_.customer_identities(id)), use_tuple);
  co_return resolved_identity{r3.str, false};
}

asio::awaitable<result<void>> identity_repository::link(std::string customer_id, v1::Channel channel,
                                                        std::string address) {
  if (address.empty() || channel_name(channel) == "unknown") co_return error_code(errc::bad_input);
  auto [ec0, r0] = co_await redis_.async_exec(cmd("EXISTS", keys_.customer(customer_id)), use_tuple);
  if (ec0) co_return ec0;
  if (r0.integer == 0) co_return error_code(errc::not_found);
  const std::string member = member_of(channel, address);
  auto [ec1, r1] = co_await redis_.async_exec(cmd("SADD", keys_.customer_identities(customer_id), member), use_tuple);
  if (ec1) co_return ec1;
  auto [ec2, r2] = co_await redis_.async_exec(cmd("SET", keys_.identity(channel, address), customer_id, "NX", "GET"), use_tuple);
  if (ec2) co_return ec2;
  if (r2.is_nil() || r2.str == customer_id) co_return result<void>{};
  // Someone else's: take back the set entry we added (only if it was new to the set).
  if (r1.integer == 1) {
    co_await redis_.async_exec(cmd("SREM", keys_.customer_identities(customer_id), member), use_tuple);
  }
  co_return error_code(errc::conflict);
}

asio::awaitable<result<void>> identity_repository::record_proof(std::string customer_id, v1::Channel channel, std::string address,
                                                                v1::IdentityProof proof) {
  auto [ec, r] = co_await redis_.async_exec(
      cmd("HSET", keys_.customer(customer_id), "proof:" + member_of(channel, address), proof.SerializeAsString()), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<std::vector<v1::Identity>>> identity_repository::identities(std::string customer_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("SMEMBERS", keys_.customer_identities(customer_id)), use_tuple);
  if (ec) co_return ec;
  std::vector<v1::Identity> out;
  for (const auto& m : r.elements) {
    auto parsed = parse_identity_member(m.str);
    if (!parsed) continue;
    v1::Identity id;
    id.set_channel(parsed->first);
    id.set_address(parsed->second);
    id.set_customer_id(customer_id);
    out.push_back(std::move(id));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.channel(), a.address()) < std::make_pair(b.channel(), b.address());
  });
  co_return out;
}

asio::awaitable<result<void>> identity_repository::set_details(std::string customer_id, v1::CustomerDetails details) {
  auto args = cmd("HSET", keys_.customer(customer_id));
  if (!details.display_name().empty()) {
    args.emplace_back("display_name");
    args.emplace_back(details.display_name());
  }
  if (!details.email().empty()) {
    args.emplace_back("attr:email");
    args.emplace_back(details.email());
  }
  if (args.size() == 2) co_return result<void>();
  auto [ec, r] = co_await redis_.async_exec(std::move(args), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<v1::Customer>> identity_repository::customer(std::string customer_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("HGETALL", keys_.customer(customer_id)), use_tuple);
  if (ec) co_return ec;
  if (r.elements.empty()) co_return error_code(errc::not_found);
  v1::Customer c;
  c.set_id(customer_id);
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const auto& f = r.elements[i].str;
    if (f == "created_at_ms") c.set_created_at_ms(r.elements[i + 1].as_int().value_or(0));
    else if (f == "display_name") c.set_display_name(r.elements[i + 1].str);
    else if (f == "merged_into") c.set_merged_into(r.elements[i + 1].str);
    else if (f.starts_with("attr:")) (*c.mutable_attributes())[f.substr(5)] = r.elements[i + 1].str;
  }
  auto ids = co_await identities(customer_id);
  if (!ids) co_return ids.error();
  for (auto& id : *ids) {
    const std::string proof_field = "proof:" + member_of(id.channel(), id.address());
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      if (r.elements[i].str == proof_field) id.mutable_proof()->ParseFromString(r.elements[i + 1].str);
    }
    *c.add_identities() = std::move(id);
  }
  co_return c;
}

asio::awaitable<result<std::vector<std::string>>> identity_repository::move_identities(
    const std::vector<std::string>& which, const std::string& from, const std::string& to) {
  // Per identity: move the key if it still belongs to `from` (one-key CAS), then the set entries.
  // A key that belongs to `to` already (an earlier try moved it) gets its set entries fixed too,
  // so a retry after an outage converges.
  std::vector<std::string> moved;
  for (const auto& member : which) {
    auto parsed = parse_identity_member(member);
    if (!parsed) continue;
    auto [ec, r] = co_await redis_.async_eval(scripts::cas_identity(), cmd(keys_.identity(parsed->first, parsed->second)), cmd(from, to), use_tuple);
    if (ec) co_return ec;
    if (r.integer != 1 && r.integer != 2) continue;
    auto [ec1, r1] = co_await redis_.async_exec(cmd("SADD", keys_.customer_identities(to), member), use_tuple);
    if (ec1) co_return ec1;
    auto [ec2, r2] = co_await redis_.async_exec(cmd("SREM", keys_.customer_identities(from), member), use_tuple);
    if (ec2) co_return ec2;
    moved.push_back(member);
  }
  co_return moved;
}

asio::awaitable<result<v1::Merge>> identity_repository::merge_record(const v1::Customer& source,
                                                                     const std::string& target_id,
                                                                     const std::string& merge_id,
                                                                     const std::string& actor,
                                                                     const std::string& reason) {
  auto stored = co_await load_merge(target_id, merge_id);
  if (!stored && stored.error() != errc::not_found) co_return stored.error();
  v1::Merge m;
  if (stored) {
    m = std::move(*stored);
  } else {
    m.set_merge_id(merge_id);
    m.set_source_customer_id(source.id());
    m.set_target_customer_id(target_id);
    m.set_actor(actor);
    m.set_reason(reason);
    m.set_merged_at_ms(clock_.unix_ms());
  }
  bool changed = !stored;
  for (const auto& id : source.identities()) {
    const std::string member = member_of(id.channel(), id.address());
    if (std::find(m.moved_identities().begin(), m.moved_identities().end(), member) != m.moved_identities().end()) continue;
    m.add_moved_identities(member);
    changed = true;
  }
  if (changed) {
    // Written before anything moves, so that an undo knows what to move back.
    auto [ec1, r1] = co_await redis_.async_exec(cmd("SET", keys_.merge(target_id, merge_id), m.SerializeAsString()), use_tuple);
    if (ec1) co_return ec1;
  }
  auto [ec2, r2] = co_await redis_.async_exec(cmd("ZADD", keys_.customer_merges(target_id), std::to_string(m.merged_at_ms()), merge_id), use_tuple);
  if (ec2) co_return ec2;
  co_return m;
}

asio::awaitable<result<v1::Merge>> identity_repository::merge(std::string source_id, std::string target_id,
                                                              std::string actor, std::string reason) {
  if (source_id == target_id || source_id.empty() || target_id.empty()) co_return error_code(errc::bad_input);
  auto source = co_await customer(source_id);
  if (!source) co_return source.error();
  auto target = co_await customer(target_id);
  if (!target) co_return target.error();
  if (!target->merged_into().empty()) co_return error_code(errc::conflict);
  if (!source->merged_into().empty() && source->merged_into() != target_id) co_return error_code(errc::conflict);
  auto [ec0, r0] = co_await redis_.async_exec(cmd("SISMEMBER", keys_.customer_merged(target_id), source_id), use_tuple);
  if (ec0) co_return ec0;
  if (r0.integer == 1) co_return error_code(errc::conflict);  // merged and finished

  // Marked first: a concurrent merge of the source into another customer is refused from here on;
  // a repeated merge into this target gets the mark's merge id and resumes.
  auto [ec1, r1] = co_await redis_.async_eval(scripts::merge_mark(), cmd(keys_.customer(source_id)), cmd("claim", target_id, ids_.next()), use_tuple);
  if (ec1) co_return ec1;
  if (!r1.is_string()) co_return error_code(errc::conflict);
  auto m = co_await merge_record(*source, target_id, r1.str, actor, reason);
  if (!m) co_return m.error();
  std::vector<std::string> members(m->moved_identities().begin(), m->moved_identities().end());
  auto moved = co_await move_identities(members, source_id, target_id);
  if (!moved) co_return moved.error();
  // Last: from here on the target's timeline reads the source's, and the merge counts as done.
  auto [ec2, r2] = co_await redis_.async_exec(cmd("SADD", keys_.customer_merged(target_id), source_id), use_tuple);
  if (ec2) co_return ec2;
  co_return std::move(*m);
}

asio::awaitable<result<v1::Merge>> identity_repository::load_merge(const std::string& target_id,
                                                                   const std::string& merge_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("GET", keys_.merge(target_id, merge_id)), use_tuple);
  if (ec) co_return ec;
  if (r.is_nil()) co_return error_code(errc::not_found);
  v1::Merge m;
  if (!m.ParseFromString(r.str)) co_return error_code(errc::protocol_error);
  // Records are keyed by the target's group: another target of that group does not see it.
  if (m.target_customer_id() != target_id) co_return error_code(errc::not_found);
  co_return m;
}

asio::awaitable<result<v1::Merge>> identity_repository::undo_merge(std::string target_id, std::string merge_id,
                                                                   std::string actor) {
  auto m = co_await load_merge(target_id, merge_id);
  if (!m) co_return m.error();
  if (m->undone_at_ms() != 0) co_return error_code(errc::conflict);
  const std::string& source_id = m->source_customer_id();
  // First the timeline splits, then the identities go back, then the mark, then the record.
  auto [ec0, r0] = co_await redis_.async_exec(cmd("SREM", keys_.customer_merged(target_id), source_id), use_tuple);
  if (ec0) co_return ec0;
  std::vector<std::string> members(m->moved_identities().begin(), m->moved_identities().end());
  auto moved = co_await move_identities(members, target_id, source_id);
  if (!moved) co_return moved.error();
  auto [ec1, r1] = co_await redis_.async_eval(scripts::merge_mark(), cmd(keys_.customer(source_id)), cmd("release", target_id, merge_id), use_tuple);
  if (ec1) co_return ec1;
  m->set_undone_at_ms(clock_.unix_ms());
  m->set_undone_by(actor);
  auto [ec2, r2] = co_await redis_.async_exec(cmd("SET", keys_.merge(target_id, merge_id), m->SerializeAsString()), use_tuple);
  if (ec2) co_return ec2;
  co_return std::move(*m);
}

asio::awaitable<result<std::vector<v1::Merge>>> identity_repository::merges_into(std::string target_id,
                                                                                 std::size_t limit) {
  std::vector<v1::Merge> out;
  if (target_id.empty() || limit == 0) co_return out;
  auto [ec, r] = co_await redis_.async_exec(cmd("ZREVRANGE", keys_.customer_merges(target_id), "0", std::to_string(limit - 1)), use_tuple);
  if (ec) co_return ec;
  if (r.elements.empty()) co_return out;
  auto args = cmd("MGET");
  for (const auto& id : r.elements) args.push_back(keys_.merge(target_id, id.str));
  auto [ec1, r1] = co_await redis_.async_exec(std::move(args), use_tuple);
  if (ec1) co_return ec1;
  for (const auto& rec : r1.elements) {
    v1::Merge m;
    if (rec.is_nil()) continue;
    if (!m.ParseFromString(rec.str)) co_return error_code(errc::protocol_error);
    out.push_back(std::move(m));
  }
  co_return out;
}

asio::awaitable<result<std::vector<std::string>>> identity_repository::merged_family(std::string customer_id) {
  return store::merged_family(redis_, keys_, std::move(customer_id));
}

}  // namespace switchboard::store
