#pragma once
// The Redis key layout (ARCHITECTURE §3). Every key of one customer carries the hash tag of its
// shard group `{g<k>}`, k = fnv1a64(customer id) mod G, so one script can touch all of them on one
// slot, on a single Redis or a Cluster. A conversation id carries its group after a dash
// ("<ulid>-<k>") so its keys can be found from the id alone. Only identity keys (channel address →
// customer) are outside the groups.
//
//   <p>:id:<channel>:<address>          string  identity → customer id
//   <p>:{g<k>}:cu:<customer>            hash    customer record (created_at_ms, open, last, merged_into)
//   <p>:{g<k>}:cu:<customer>:ids        set     "<channel>:<address>" of its identities
//   <p>:{g<k>}:cu:<customer>:rd         set     who may read its timeline: "t:<team>", "a:<owner>"
//   <p>:{g<k>}:cu:<customer>:src        set     customers merged into it, merges standing (its timeline reads theirs)
//   <p>:{g<k>}:cu:<customer>:mgs        zset    ids of every merge into it (standing and undone) → merged_at_ms
//   <p>:{g<k>}:cu:<customer>:ml         hash    email threading: "m:<Message-ID>" → conversation, "s:<subject>" → "<conversation>|<ms>"
//   <p>:{g<k>}:tl:<customer>            stream  the lifelong timeline (fields c, s, e)
//   <p>:{g<k>}:cv:<conversation>        hash    conversation state
//   <p>:{g<k>}:cv:<conversation>:ix     stream  ids 0-<seq> → timeline entry id (field t)
//   <p>:{g<k>}:cv:<conversation>:ch     channel live fan-out of its events
//   <p>:{g<k>}:dd:<customer>:<key>      string  idempotency key → first append's result
//   <p>:{g<k>}:rq                       stream  routing requests of the group
//   <p>:{g<k>}:ob                       stream  replies to send on a messaging channel (the outbox; c, cu, sq, t, ch, at)
//   <p>:vc:<customer>                   hash    a pending phone proof: phone, code hash, tries (10 min)
//   <p>:vn:<customer or phone>          string  codes sent in the hour (1 h)
//   <p>:{md}:jobs                       stream  attachments to fetch into the blob store (c, cu, sq, i, u, a, ct, fn)
//   <p>:{od}:dead                       hash    replies the outbox gave up on: "<conversation>:<seq>" → letter
//   <p>:{od}:dead:at                    zset    the same members, by when they failed (Unix ms)
//   <p>:pm:<channel>:<provider id>      hash    a sent reply by its provider's id: c, cu, sq (30 days)
//   <p>:pu:<channel>:<address>          zset    replies sent there not known read: "c\ncu\nsq" by sent ms (30 days)
//   <p>:{g<k>}:mg:<merge id>            string  a Merge record (protobuf)
//   <p>:{g<k>}:fence                    string  largest router lease token that wrote in the group
//   <p>:{g<k>}:act                      hash    unresolved conversations of the group → state
//   <p>:{g<k>}:audit                    stream  audited staff actions of the group (c, at, r JSON)
//   <p>:{g<k>}:cvt                      zset    conversations of the group by creation time (reports)
//   <p>:{lease:<name>}[:token]          string  a lease holder (with TTL) and its token counter (one slot)
//   <p>:mb:<mailbox>                    hash    an IMAP mailbox read: uidvalidity, uid (the last taken)
//   <p>:{a<j>}:all                      set     ids of the agents of agent group j with a record
//   <p>:{a<j>}:<agent>                  hash    agent record (profile, status, status_since_ms, conns)
//   <p>:{a<j>}:<agent>:cv               hash    conversations offered to / owned by the agent (router-kept)
//   <p>:{a<j>}:<agent>:desks            zset    the agent's open desk sessions → expiry ms (gateway-refreshed)
//   <p>:{a<j>}:<agent>:hist             stream  status history: an entry when the status or "has a desk" changes
//   <p>:{day}:<d>                       hash    the board's "today" per queue (answered, in time, abandoned)
//   <p>:{day}:<d>:counted               set     which conversations those counted (once each)
//   <p>:{a<j>}:ev                       stream  agent events of the group for the router (status, connect, drop)
//   <p>:ag:<agent>:ch                   channel frames for the agent's sessions (offers, state)
//   <p>:team:<team>:ch                  channel frames for the team's leads (trainee drafts)
//   <p>:{u}:all                         set     ids of every person who may sign in
//   <p>:{u}:<user>                      hash    their record (role, teams, display_name, hash, disabled)
//   <p>:{u}:<user>:ses                  hash    their sign-in sessions: SHA-256 of the cookie → "exp|csrf"
//   <p>:{u}:<user>:sf                   string  failed sign-ins of the account in the window (TTL)
//   <p>:{u}:sf:<address>                string  failed sign-ins from a client address in the window (TTL)
//   <p>:{u}:revoke                      channel "s:<session hash>" / "u:<user>": close those sockets
// An agent's keys carry the hash tag of their agent group `{a<j>}`, j = fnv1a64(agent id) mod 16:
// one script updates a record and tells the router (the group's event stream), on one slot, and the
// agents spread over 16 slots (a Cluster's primaries share the work). Before, every agent key was
// under `{ag}` (legacy_agent_prefix; agent_repository::adopt_legacy moves them).
//
// Pure; thread-safe (immutable after construction).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/channel.pb.h"

namespace switchboard::store {

class key_layout {
 public:
  key_layout(std::string prefix, int groups);

  // Agents are spread over this many agent groups (fixed: changing it would orphan their keys).
  static constexpr int kAgentGroups = 16;

  int groups() const noexcept { return groups_; }
  int agent_group_of(std::string_view agent_id) const noexcept;
  int group_of_customer(std::string_view customer_id) const noexcept;
  // The group a conversation id carries, or nullopt if it is not one of ours.
  std::optional<int> group_of_conversation(std::string_view conversation_id) const noexcept;
  // A conversation id for a customer from a fresh time-sortable id.
  std::string conversation_id(std::string_view ulid, std::string_view customer_id) const;

  std::string identity(v1::Channel channel, std::string_view address) const;
  std::string customer(std::string_view customer_id) const;
  std::string customer_identities(std::string_view customer_id) const;
  // Who besides admins may read the customer's timeline: "t:<team>" of each of their conversations,
  // "a:<agent>" of everyone who owned one (written by the append script, as "<customer key>:rd").
  std::string customer_readers(std::string_view customer_id) const;
  // The customer's email threads: their mails' Message-IDs and subjects → conversation.
  std::string customer_mail(std::string_view customer_id) const;
  // The customers merged into this one while the merge stands (written last by a merge, removed
  // first by its undo): whose timelines its timeline reads too (store/merged_timeline.hpp).
  std::string customer_merged(std::string_view customer_id) const;
  // Every merge into this customer, standing or undone: merge id → merged_at_ms.
  std::string customer_merges(std::string_view customer_id) const;
  std::string timeline(std::string_view customer_id) const;
  std::string dedupe(std::string_view customer_id, std::string_view idempotency_key) const;
  std::string routing_requests(int group) const;
  // The group's outbox stream: replies for the outbox role to send (outbox/).
  std::string outbox(int group) const;
  // Replies the outbox could not send, for the leads (store/dead_letters.hpp): the letters, and
  // their order by time; one hash tag, not per group.
  std::string outbox_dead() const;
  std::string outbox_dead_order() const;
  // Customers' attachments to fetch from the providers into the blob store (outbox/media_fetcher).
  std::string media_jobs() const;
  // A customer's pending code for proving a phone number (store/identity_codes.hpp), and the codes
  // sent in the hour to a customer or to a number.
  std::string identity_code(std::string_view customer_id) const;
  std::string identity_codes_sent(std::string_view who) const;
  // A sent reply by its provider's id (for the provider's statuses), outside the groups.
  std::string sent_message(v1::Channel channel, std::string_view provider_message_id) const;
  // The replies sent to an address and not known read yet, by when they were sent (Messenger's
  // and Instagram's read watermarks), outside the groups.
  std::string unread_replies(v1::Channel channel, std::string_view address) const;
  std::string merge(std::string_view customer_id, std::string_view merge_id) const;
  // The fence of a shard group: the largest router lease token that wrote there.
  std::string fence(int group) const;
  // A lease (outside the groups): "<p>:{lease:<name>}"; its token counter adds ":token" (same slot).
  std::string lease(std::string_view name) const;
  // Where the token counter was before it shared the lease's slot ("<p>:lease:<name>:token"): new
  // tokens start above it, so that a router of this version is never fenced below an older one's.
  std::string legacy_lease_token(std::string_view name) const;
  // An IMAP mailbox Switchboard reads ("<user>@<host>:<port>/<folder>"): what it took so far.
  std::string mailbox(std::string_view name) const;
  // The group's index of unresolved conversations.
  std::string active(int group) const;
  // The group's audit stream (lead actions).
  std::string audit(int group) const;
  // The group's conversations by creation time.
  std::string conversations_by_time(int group) const;
  // Agents, in agent groups (outside the customers' groups): the ids in agent group j.
  std::string agents(int group) const;
  std::string agent(std::string_view agent_id) const;
  std::string agent_conversations(std::string_view agent_id) const;
  std::string agent_desks(std::string_view agent_id) const;
  std::string agent_history(std::string_view agent_id) const;
  // The leads' board's figures of one day (days since the epoch, UTC): counters and what counted.
  std::string day_counts(std::int64_t day) const;
  std::string day_counted(std::int64_t day) const;
  std::string agent_prefix(int group) const;  // <p>:{a<j>}:
  std::string legacy_agent_prefix() const;   // <p>:{ag}: (every agent key before agent groups)
  std::string agent_channel(std::string_view agent_id) const;
  // Agent group j's event stream for the router, and which group an event stream's name is of.
  std::string agent_events(int group) const;
  std::optional<int> agent_group_of_events(std::string_view stream) const noexcept;
  std::string team_channel(std::string_view team) const;
  // People who sign in (store/people.hpp), all under the hash tag {u}.
  std::string users() const;
  std::string user(std::string_view user_id) const;
  std::string user_sessions(std::string_view user_id) const;
  std::string user_failures(std::string_view user_id) const;
  std::string address_failures(std::string_view address) const;
  std::string revoke_channel() const;
  // Prefix of a conversation's keys in the group of `customer_id`: "<p>:{g<k>}:cv:".
  std::string conversation_prefix(std::string_view customer_id) const;
  // The same prefix for a group: "<p>:{g<k>}:cv:".
  std::string group_conversation_prefix(int group) const;
  // Keys of a conversation, from its id (which carries the group). Empty if the id is malformed.
  std::string conversation(std::string_view conversation_id) const;
  std::string conversation_index(std::string_view conversation_id) const;
  std::string conversation_channel(std::string_view conversation_id) const;
  // "<p>:{g<k>}:tl:" for the group a conversation id carries; empty if the id is malformed.
  std::string timeline_prefix_of(std::string_view conversation_id) const;

 private:
  std::string tagged(int group, std::string_view kind, std::string_view rest) const;

  std::string prefix_;
  int groups_;
};

// "email", "whatsapp", ... as used in identity keys and addresses like "email:ana@x.org".
std::string_view channel_name(v1::Channel c) noexcept;
std::optional<v1::Channel> channel_from_name(std::string_view name) noexcept;

}  // namespace switchboard::store
