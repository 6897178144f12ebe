// The main-thread cost of each board update, read from a Chromium trace of the seconds measured:
// from the task in which the console's `sb:board-update` measure begins (the socket's message:
// JSON.parse, apply, Preact's render) through the first task after it that paints or commits (the
// frame that shows the board: style, layout, pre-paint, paint, layerize, commit), with any task
// between them and any GC that runs inside them. Two clocks per update: the main thread's own
// time (the trace's thread time: the work the update costs the page) and wall time (the same plus
// any moment the OS gave the core to another process or the thread waited for the compositor).
// Tasks outside an update (V8's idle-time GC, timers, pings) are counted apart: the longest of
// them says whether anything else blocked a frame.

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number; // µs
  dur?: number; // µs, wall
  tdur?: number; // µs, thread time
  cat?: string;
}

export interface UpdateCost {
  /** Main thread's own time, ms. */
  thread: number;
  /** Wall time of the same tasks, ms. */
  wall: number;
  /** Tasks it took (the message and the frame, usually 2). */
  tasks: number;
  /** GC inside those tasks, ms (wall). */
  gc: number;
}

export interface TraceFigures {
  updates: UpdateCost[];
  /** The longest task that was not part of an update, ms (wall), and what ran in it. */
  longestOther: { wall: number; what: string };
}

const gcNames = new Set(['MinorGC', 'MajorGC']);
const frameNames = new Set(['Paint', 'Commit']);

export function updateCosts(trace: Buffer | string, measureName = 'sb:board-update'): TraceFigures {
  const parsed = JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const begins = events.filter((e) => e.name === measureName && e.ph === 'b').sort((a, b) => a.ts - b.ts);
  if (begins.length === 0) return { updates: [], longestOther: { wall: 0, what: '' } };
  // The page's main thread: where the console's own measures begin.
  const { pid, tid } = begins[0];
  const onMain = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const tasks = onMain.filter((e) => e.name === 'RunTask');
  const within = (task: TraceEvent, pick: (e: TraceEvent) => boolean) =>
    onMain.filter((e) => e.ts >= task.ts && e.ts < task.ts + task.dur! && e !== task && pick(e));
  const inUpdate = new Set<TraceEvent>();
  const updates: UpdateCost[] = [];
  for (const begin of begins) {
    let i = tasks.findIndex((t) => t.ts + t.dur! >= begin.ts);
    if (i < 0) continue;
    const cost: UpdateCost = { thread: 0, wall: 0, tasks: 0, gc: 0 };
    for (; i < tasks.length; i += 1) {
      const t = tasks[i];
      inUpdate.add(t);
      cost.wall += t.dur! / 1000;
      cost.thread += (t.tdur ?? t.dur!) / 1000;
      cost.tasks += 1;
      cost.gc += within(t, (e) => gcNames.has(e.name)).reduce((sum, e) => sum + e.dur! / 1000, 0);
      if (within(t, (e) => frameNames.has(e.name)).length > 0) break;
    }
    updates.push(cost);
  }
  const first = begins[0].ts;
  const others = tasks.filter((t) => !inUpdate.has(t) && t.ts >= first);
  const longest = others.reduce<TraceEvent | null>((m, t) => (!m || t.dur! > m.dur! ? t : m), null);
  const what = longest
    ? [...new Set(within(longest, (e) => e.dur! >= 1000).map((e) => e.name))].slice(0, 4).join(', ')
    : '';
  return { updates, longestOther: { wall: longest ? longest.dur! / 1000 : 0, what } };
}
