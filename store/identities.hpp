#pragma once
// The identity repository: which customer a channel address belongs to. Resolving is an atomic
// find-or-create on the one identity key (SET NX GET); linking claims an address for a customer;
// merging moves every identity of one customer to another, recorded (who, when, why, what moved)
// so that it can be undone, and indexed under the target (<customer key>:src, what the merged
// timeline reads: store/merged_timeline.hpp; <customer key>:mgs, every merge into it). Identity
// keys live outside the shard groups, so a merge is a sequence of single-slot atomic steps, each
// safe to repeat: a merge (or an undo) cut short by a Redis outage is finished by calling it again.
//
// Not thread-safe: run its coroutines on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "proto/model.pb.h"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct resolved_identity {
  std::string customer_id;
  bool created = false;  // a new customer was made for this address
};

class identity_repository {
 public:
  identity_repository(redis_client& redis, const key_layout& keys, id_generator& ids, const clock& clk);

  // The customer of an address, created if there is none. Concurrent calls for one new address
  // all get the same customer. Errors: bad_input (empty address or unknown channel).
  boost::asio::awaitable<result<resolved_identity>> resolve(v1::Channel channel, std::string address);
  // The customer of an address, if it has one (nothing is created).
  boost::asio::awaitable<result<std::optional<std::string>>> find(v1::Channel channel, std::string address);

  // Gives `customer_id` the address. conflict if another customer has it (merge them instead);
  // linking an address the customer already has succeeds.
  boost::asio::awaitable<result<void>> link(std::string customer_id, v1::Channel channel, std::string address);

  // Records how the customer proved an address of theirs (kept on the customer, shown with the
  // identity by customer()).
  boost::asio::awaitable<result<void>> record_proof(std::string customer_id, v1::Channel channel, std::string address,
                                                    v1::IdentityProof proof);

  // Every identity of a customer.
  boost::asio::awaitable<result<std::vector<v1::Identity>>> identities(std::string customer_id);

  // Sets what the customer said about themselves: display_name (if not empty) and "email" (if not
  // empty) as an attribute.
  boost::asio::awaitable<result<void>> set_details(std::string customer_id, v1::CustomerDetails details);

  // The customer record with its identities; not_found if there is none.
  boost::asio::awaitable<result<v1::Customer>> customer(std::string customer_id);

  // Moves every identity of `source` to `target` and marks `source` merged into it. Steps, each
  // repeatable: mark the source (merged_into, merged_by: the merge id), write the record and list
  // it under the target, move the identities, and last add the source to the target's merged set
  // (from then on the target's timeline reads the source's). Calling it again for a merge cut
  // short resumes it under its first id, actor and reason. Errors: not_found (either missing),
  // bad_input (same customer), conflict (the source is merged already — into this target and
  // finished, or into another — or the target is merged into another customer).
  boost::asio::awaitable<result<v1::Merge>> merge(std::string source_id, std::string target_id, std::string actor,
                                                  std::string reason);

  // Undoes a merge: the source leaves the target's merged set (its timeline splits off), the
  // identities the merge moved go back to the source unless they moved on since, the source's mark
  // goes, and the record gets undone_at_ms/undone_by. Repeatable until that last step. Errors:
  // not_found (no such merge into this target), conflict (undone already).
  boost::asio::awaitable<result<v1::Merge>> undo_merge(std::string target_id, std::string merge_id,
                                                       std::string actor);

  // The merges into `target_id`, standing and undone, newest first, at most `limit`. One ZREVRANGE
  // and one MGET (the records share the target's slot).
  boost::asio::awaitable<result<std::vector<v1::Merge>>> merges_into(std::string target_id, std::size_t limit);

  // The customer and those merged into them, transitively, while the merges stand: whose
  // timelines theirs reads (store/merged_timeline.hpp's merged_family).
  boost::asio::awaitable<result<std::vector<std::string>>> merged_family(std::string customer_id);

 private:
  boost::asio::awaitable<result<v1::Merge>> load_merge(const std::string& target_id, const std::string& merge_id);
  // The merge record of a marked source: the one stored, or a new one; the identities to move are
  // the stored ones and the source's current ones.
  boost::asio::awaitable<result<v1::Merge>> merge_record(const v1::Customer& source, const std::string& target_id,
                                                         const std::string& merge_id, const std::string& actor,
                                                         const std::string& reason);
  boost::asio::awaitable<result<std::vector<std::string>>> move_identities(const std::vector<std::string>& which,
                                                                           const std::string& from,
                                                                           const std::string& to);

  redis_client& redis_;
  const key_layout& keys_;
  id_generator& ids_;
  const clock& clock_;
};

// "email:ana@x.org" → channel and address; nullopt if malformed. Pure.
std::optional<std::pair<v1::Channel, std::string>> parse_identity_member(std::string_view member);

}  // namespace switchboard::store
