// The board's queues with today's figures: a virtualised table (virtual_table.tsx) with the queue
// as each row's header, so fifty queues changing every second redraw the dozen rows in view and
// lay out only those. Wider than a narrow screen: its box scrolls sideways.
import { durationWords, percent } from '../staff/format';
import { memo } from '../staff/preact_util';
import { type QueueRow, shortBy } from './board_store';
import { VirtualTable } from './virtual_table';

const columns = 'minmax(12rem,1.6fr) repeat(2,minmax(4.5rem,0.8fr)) minmax(9.5rem,1.5fr) repeat(6,minmax(5rem,0.9fr))';

/** `second`: the server's time, whole seconds, for the longest waits. */
export function QueuesTable({ queues, second }: { queues: QueueRow[]; second: number }) {
  return (
    <div class="vt-wide">
      <VirtualTable label="Queues" rows={queues} rowHeight={40} columns={columns} testId="queues-table" className="vt-queues" overscan={2}
        header={<>
          <span role="columnheader">Queue</span><span role="columnheader" class="num">Waiting</span>
          <span role="columnheader" class="num">Longest wait</span><span role="columnheader" class="num">Service level today</span>
          <span role="columnheader" class="num">Answered</span><span role="columnheader" class="num">Abandoned</span>
          <span role="columnheader" class="num">Arrivals / h</span><span role="columnheader" class="num">Handle time</span>
          <span role="columnheader" class="num">Agents needed</span><span role="columnheader" class="num">Available</span>
        </>}
        renderRow={(q, i, style) => (
          <QueueLine key={q.key} row={q} index={i} style={style} wait={q.oldestSinceMs ? durationWords((second - q.oldestSinceMs) / 1000) : '–'} />
        )} />
    </div>
  );
}

interface QueueLineProps {
  row: QueueRow;
  index: number;
  style: string;
  /** The longest wait in words: the row redraws when its words change, not every second. */
  wait: string;
}

const QueueLine = memo(function QueueLine({ row: q, index, style, wait }: QueueLineProps) {
  const short = shortBy(q);
  const counted = q.answeredToday + q.abandonedToday > 0;
  const below = counted && q.serviceLevelToday < q.serviceLevelTarget;
  // One text node per cell where it can be (a template string, not JSX pieces): fewer nodes to diff.
  return (
    <div role="row" aria-rowindex={index + 2} class={short ? 'vt-row row-short' : 'vt-row'} style={style} data-testid="queue-row">
      <span role="rowheader" class="queue-name">{q.queue}<span class="muted">{` · ${q.team}`}</span></span>
      <span role="cell" class={q.waiting ? 'num strong' : 'num'}>{q.waiting}</span>
      <span role="cell" class="num">{wait}</span>
      <span role="cell" class={below ? 'num bad' : 'num'}>
        {counted ? percent(q.serviceLevelToday) : '–'}
        <span class="muted">{` / ${percent(q.serviceLevelTarget)} in ${q.serviceLevelSeconds} s`}</span>
      </span>
      <span role="cell" class="num">{q.answeredToday}</span>
      <span role="cell" class="num">{q.abandonedToday}</span>
      <span role="cell" class="num">{Math.round(q.arrivalsPerHour * 10) / 10}</span>
      <span role="cell" class="num">{durationWords(q.handleSeconds)}</span>
      <span role="cell" class="num">{q.agentsNeeded}</span>
      <span role="cell" class="num">{q.agentsAvailable}{short > 0 && <span class="chip chip-bad">{`short ${short}`}</span>}</span>
    </div>
  );
}, (a, b) => a.row === b.row && a.wait === b.wait && a.index === b.index && a.style === b.style);
