// The REST bodies and wire fields the staff pages read that src/lib/types.ts does not declare yet
// (customers, queues with dispositions, agents, canned replies, a conversation's record, the
// board's rows, setStatus's reason). Shapes follow docs/PROTOCOL.md and proto/*.proto in
// protobuf's JSON mapping. Types only, plus the one frame builder that needs a field lib lacks.
import type { AgentStatus, Channel, ClientFrameBody, ConversationState, Event, Int64 } from '../lib/types';

/** GET /v1/customers/{id} → {customer} */
export interface CustomerProfile {
  id: string;
  createdAtMs?: Int64;
  displayName?: string;
  attributes?: Record<string, string>;
  identities?: CustomerIdentity[];
}

/** An address the customer is reached at; `proof` when they proved it is theirs (confirmIdentity). */
export interface CustomerIdentity {
  channel?: Channel;
  address?: string;
  customerId?: string;
  proof?: { method?: string; atMs?: Int64; conversationId?: string };
}

/** GET /v1/queues → {queues} */
export interface QueueInfo {
  name: string;
  team?: string;
  /** The desk's resolve list; the first is the default; none: "solved". */
  dispositions?: string[];
  policy?: { serviceLevelSeconds?: number; serviceLevelTarget?: number; [k: string]: unknown };
}

/** GET /v1/agents → {agents}; GET /v1/agents/{id} */
export interface AgentInfo {
  id: string;
  displayName?: string;
  teams?: string[];
  status?: AgentStatus;
  statusSinceMs?: Int64;
  statusReason?: string;
  connections?: number;
  trainee?: boolean;
}

/** GET /v1/whatsapp-templates → {templates}: the config's channels.whatsapp_templates. */
export interface WhatsAppTemplate {
  name: string;
  language: string;
  /** With {{1}}, {{2}}, …: where `variables` go, in order. */
  body: string;
  variables?: string[];
}

/** GET /v1/canned-replies → {replies} */
export interface CannedReply {
  id: string;
  team?: string;
  title: string;
  body: string;
}

/** model.proto Conversation, as GET /v1/conversations/{id} answers it. */
export interface ConversationRecord {
  id: string;
  customerId?: string;
  state?: ConversationState;
  channel?: Channel;
  lastSeq?: Int64;
  queue?: string;
  priority?: number;
  team?: string;
  ownerId?: string;
  createdAtMs?: Int64;
  lastChannel?: Channel;
}

/** GET /v1/conversations/{id}?after_seq=&limit= */
export interface ConversationPage {
  conversation: ConversationRecord;
  events?: Event[];
}

/** GET /v1/customers/{id}/timeline?after=&limit= */
export interface TimelineRest {
  events?: Event[];
  nextAfter?: string;
}

// ---- the board (wire.proto Board) ---------------------------------------------------------------

export interface QueueBoardWire {
  queue?: string;
  waiting?: number;
  oldestWaitSeconds?: number;
  serviceLevelToday?: number;
  answeredToday?: number;
  abandonedToday?: number;
  arrivalsPerHour?: number;
  handleSeconds?: number;
  agentsNeeded?: number;
  agentsAvailable?: number;
  serviceLevelSeconds?: number;
  serviceLevelTarget?: number;
}

export interface ChannelLoadWire {
  channel?: Channel;
  conversations?: number;
  capacity?: number;
}

export interface AgentBoardWire {
  agentId?: string;
  status?: AgentStatus;
  statusReason?: string;
  statusSeconds?: number;
  load?: ChannelLoadWire[];
  conversations?: string[];
}

export interface AtRiskWire {
  conversationId?: string;
  queue?: string;
  ownerId?: string;
  reason?: string;
  score?: number;
}

export interface BoardWire {
  team?: string;
  atMs?: Int64;
  queues?: QueueBoardWire[];
  agents?: AgentBoardWire[];
  atRisk?: AtRiskWire[];
  computeUs?: Int64;
  /** On a socket opened with ?boards=changes, after a team's first board: only what changed. */
  changesOnly?: boolean;
  removedQueues?: string[];
  removedAgents?: string[];
  /** With changesOnly: atRisk is the board before's. */
  atRiskUnchanged?: boolean;
}

/** `setStatus` with its reason (lib's ClientFrameBody does not declare `reason` yet). */
export function setStatusFrame(status: AgentStatus, reason: string): ClientFrameBody {
  const setStatus: { status: AgentStatus; reason?: string } = { status };
  if (status === 'AWAY' && reason.trim()) setStatus.reason = reason.trim();
  return { setStatus };
}
