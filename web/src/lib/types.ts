// The wire types, hand-written to mirror proto/wire.proto and proto/model.proto in protobuf's JSON
// mapping: camelCase names, int64 as decimal strings (Int64), enums by name, and fields at their
// default value (0, false, "", []) left out, hence optional. docs/PROTOCOL.md is the reference.
// Only types here: the helpers that read them live beside their users.

/** An int64 in protobuf JSON: a decimal string ("42"). Read it with `int()` from ids.ts. */
export type Int64 = string;

export type Channel =
  | 'CHANNEL_UNSPECIFIED'
  | 'CHANNEL_WEB'
  | 'CHANNEL_EMAIL'
  | 'CHANNEL_WHATSAPP'
  | 'CHANNEL_MESSENGER'
  | 'CHANNEL_INSTAGRAM'
  | 'CHANNEL_TELEGRAM'
  | 'CHANNEL_SMS';

export type Direction = 'DIRECTION_UNSPECIFIED' | 'DIRECTION_INBOUND' | 'DIRECTION_OUTBOUND' | 'DIRECTION_INTERNAL';

export type ConversationState =
  | 'CONVERSATION_STATE_UNSPECIFIED'
  | 'QUEUED'
  | 'OFFERED'
  | 'ASSIGNED'
  | 'WRAP_UP'
  | 'RESOLVED'
  | 'WAITING_CUSTOMER'
  | 'ESCALATED';

export type AgentStatus = 'AGENT_STATUS_UNSPECIFIED' | 'AVAILABLE' | 'AWAY' | 'OFFLINE';

// ---- model.proto -------------------------------------------------------------------------------

export interface Attachment {
  url?: string;
  contentType?: string;
  fileName?: string;
  sizeBytes?: Int64;
  sha256?: string;
}

export interface Message {
  direction?: Direction;
  channel?: Channel;
  body?: string;
  attachments?: Attachment[];
  clientMessageId?: string;
  authorId?: string;
  /** The staff author's name from their sign-in ("Ana"); empty for a token without one. */
  authorName?: string;
  /** A WhatsApp template sent instead of free text; the server fills `body` from it. */
  templateMessage?: { name: string; language?: string; variables?: string[] };
  /** A customer's message on a messaging channel: when they sent it, by the provider's clock. */
  sentAtMs?: Int64;
  /** An email's subject. */
  subject?: string;
  /** An email's quoted history and signature, cut off `body` (what the customer wrote this time). */
  quotedText?: string;
}

/** Someone is typing (published only, never stored). */
export interface Typing {
  who?: string;
  active?: boolean;
  /** Staff: their name from their sign-in, as `Message.authorName`. */
  name?: string;
}

export interface StatusChange {
  to?: ConversationState;
  actor?: string;
  disposition?: string;
  reason?: string;
}

export interface Score {
  name?: string;
  value?: number;
}

/** routing.proto's Decision, as far as a desk shows it (docs/ROUTING.md explains the rest). */
export interface Decision {
  decisionId?: string;
  kind?: string;
  conversationId?: string;
  agentId?: string;
  queue?: string;
  atMs?: Int64;
  candidatesConsidered?: number;
  score?: Score[];
  reason?: string;
  offerExpiresAtMs?: Int64;
  [more: string]: unknown;
}

/** One event: the envelope and exactly one kind (docs/PROTOCOL.md "Events"). */
export interface Event {
  eventId?: string;
  conversationId?: string;
  seq?: Int64;
  atMs?: Int64;
  actor?: string;
  message?: Message;
  note?: Message;
  whisper?: Message;
  draft?: Message;
  offer?: { agentId?: string; expiresAtMs?: Int64; decisionId?: string };
  offerOutcome?: { agentId?: string; outcome?: 'OUTCOME_UNSPECIFIED' | 'ACCEPTED' | 'DECLINED' | 'TIMED_OUT' };
  assignment?: { ownerId?: string; fencingToken?: string };
  transfer?: { fromId?: string; toAgentId?: string; toQueue?: string; note?: string };
  takeover?: { leadId?: string; fromAgentId?: string; reason?: string };
  statusChange?: StatusChange;
  typing?: Typing;
  read?: { who?: string; upToSeq?: Int64 };
  rating?: { score?: number; comment?: string };
  decision?: Decision;
  monitoring?: { leadId?: string; active?: boolean };
  priorityChange?: { from?: number; to?: number; actor?: string; reason?: string };
  escalation?: { agentId?: string; reason?: string; queue?: string };
  draftReview?: { draftSeq?: Int64; approved?: boolean; reviewerId?: string; reason?: string };
  customerPresence?: { present?: boolean; why?: 'left' | 'disconnected' | 'back' };
  inactivityWarning?: { resolvesInSeconds?: number };
  /** The customer reacted to, edited or deleted a message on their channel (a new event; the message stays). */
  messageChange?: {
    kind?: 'REACTION' | 'EDIT' | 'DELETION';
    messageSeq?: Int64;
    providerMessageId?: string;
    emoji?: string;
    body?: string;
    channel?: Channel;
  };
  /**
   * A customer's attachment from a messaging channel (the provider's reference) fetched into the
   * blob store (staff only): exactly one of `attachment` (its url /v1/blobs/…) and `error` (why not).
   */
  mediaStored?: { messageSeq?: Int64; index?: number; attachment?: Attachment; error?: string };
  /** What became of a reply on its way to a messaging channel (the outbox, the provider's statuses). */
  /**
   * The customer proved an address is theirs (a phone number, by a code sent to it by SMS); the
   * customers who had it on SMS or WhatsApp were merged into them (`mergedCustomerIds`). Everyone sees it.
   */
  identityProved?: { channel?: Channel; address?: string; method?: string; mergedCustomerIds?: string[] };
  delivery?: {
    messageSeq?: Int64;
    state?: DeliveryState;
    channel?: Channel;
    providerMessageId?: string;
    reason?: string;
    attempts?: number;
  };
}

/** QUEUED: on its way (before any outcome, or sent again by a lead after FAILED). */
export type DeliveryState = 'QUEUED' | 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';

// ---- wire.proto: what a client sends -----------------------------------------------------------

/** The body of a client frame: exactly one kind. The connection adds `requestId`. */
export interface ClientFrameBody {
  actionId?: string;
  openConversation?: { topic?: string; firstMessage: Message; customer?: CustomerDetails };
  sendMessage?: { conversationId?: string; message: Message };
  typing?: { conversationId: string; active: boolean };
  read?: { conversationId: string; upToSeq: Int64 };
  resume?: { conversationId: string; afterSeq: Int64 };
  rate?: { conversationId: string; score: number; comment?: string };
  leave?: { conversationId: string };
  /**
   * A customer: send a six-digit code by SMS to `phone` (with its country code), or by mail to
   * `email` — exactly one of the two (both or neither: `bad_request`).
   */
  proveIdentity?: { conversationId: string; phone: string; email?: never } | { conversationId: string; email: string; phone?: never };
  /** A customer: the code they received; right, the number or address is theirs (an `identityProved` event). */
  confirmIdentity?: { conversationId: string; code: string };
  setStatus?: { status: AgentStatus };
  answerOffer?: { conversationId: string; accept: boolean };
  addNote?: { conversationId: string; body: string };
  transfer?: { conversationId: string; toAgentId?: string; toQueue?: string; note?: string };
  resolve?: { conversationId: string; disposition?: string };
  escalate?: { conversationId: string; reason?: string };
  ping?: { clientTimeMs: Int64 };
  monitor?: { conversationId: string; active: boolean };
  whisper?: { conversationId: string; body: string; clientMessageId: string };
  barge?: { conversationId: string; message: Message };
  takeOver?: { conversationId: string; reason?: string };
  reassign?: { conversationId: string; toAgentId?: string; toQueue?: string; reason?: string };
  setPriority?: { conversationId: string; priority: number; reason?: string };
  reviewDraft?: {
    conversationId: string;
    draftSeq: Int64;
    verdict: 'APPROVE' | 'EDIT' | 'REJECT';
    body?: string;
    reason?: string;
  };
}

/** What a customer tells about themselves with their first message (the widget's pre-chat form). */
export interface CustomerDetails {
  displayName?: string;
  email?: string;
}

export interface ClientFrame extends ClientFrameBody {
  requestId: string;
}

// ---- wire.proto: what the server sends ---------------------------------------------------------

export interface Ack {
  conversationId?: string;
  seq?: Int64;
  duplicate?: boolean;
}

export interface ErrorBody {
  code?: string;
  message?: string;
  retry?: boolean;
  retryAfterMs?: number;
}

export interface Welcome {
  sessionId?: string;
  role?: string;
  subject?: string;
  heartbeatSeconds?: number;
}

export interface OfferNotice {
  conversationId?: string;
  expiresAtMs?: Int64;
  queue?: string;
  channel?: Channel;
  preview?: string;
  decision?: Decision;
}

export interface QueuePosition {
  conversationId?: string;
  position?: number;
  estimatedWaitSeconds?: number;
}

export interface AgentConversation {
  conversationId?: string;
  state?: ConversationState;
  customerId?: string;
  queue?: string;
  channel?: Channel;
  offerExpiresAtMs?: Int64;
}

export interface AgentState {
  status?: AgentStatus;
  statusSinceMs?: Int64;
  reason?: string;
  conversations?: AgentConversation[];
}

export interface TimelinePage {
  customerId?: string;
  events?: Event[];
  nextAfter?: string;
}

/** A team's live board (wire.proto Board; docs/LEADS.md). Typed loosely: the console owns it. */
export interface Board {
  team?: string;
  atMs?: Int64;
  queues?: Record<string, unknown>[];
  agents?: Record<string, unknown>[];
  atRisk?: Record<string, unknown>[];
  computeUs?: Int64;
}

/** A server frame: at most one kind is set; `requestId` when it answers a request. */
export interface ServerFrame {
  requestId?: string;
  ack?: Ack;
  error?: ErrorBody;
  event?: Event;
  historyGap?: { conversationId?: string; oldestAvailableSeq?: Int64 };
  pong?: { clientTimeMs?: Int64; serverTimeMs?: Int64 };
  welcome?: Welcome;
  offer?: OfferNotice;
  queuePosition?: QueuePosition;
  timeline?: TimelinePage;
  agentState?: AgentState;
  board?: Board;
}

// ---- REST --------------------------------------------------------------------------------------

/** POST /v1/visitors */
export interface VisitorToken {
  token: string;
  visitorId?: string;
  /** Unix seconds. */
  expiresAt?: number | string;
}

/** POST and GET /v1/session */
export interface StaffSession {
  user: string;
  role: string;
  teams?: string[];
  displayName?: string;
  csrfToken: string;
  expiresAtMs?: Int64 | number;
}

/** GET /v1/dev-users: development sign-ins (an empty list in production). */
export interface DevUser {
  id: string;
  role: string;
  teams?: string[];
  displayName?: string;
  password?: string;
}
