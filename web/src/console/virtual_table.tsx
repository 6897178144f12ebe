// Lists that draw only the rows in view (plus a few either side): a board of a thousand agents is
// one scroll box with some twenty rows in the DOM. Rows are grids placed absolutely in a box of
// `contain: strict` (console.css), so a row that changes is laid out alone: a <table> would be
// laid out whole, every cell measured (6 ms a board with fifty queues). VirtualTable has ARIA
// table roles with aria-rowcount and aria-rowindex, so a screen reader still knows where it is
// in the whole list. Rows have a fixed height; the caller renders each row (keyed, memoised there).
import type { ComponentChildren, RefObject, VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface RowWindow<E extends HTMLElement> {
  /** The scroll box: its height is measured, its scrolling followed. */
  box: RefObject<E | null>;
  onScroll: (e: { currentTarget: E }) => void;
  /** Rows [first, last) are drawn. */
  first: number;
  last: number;
}

/** Which of `count` rows of `rowHeight` px a scroll box shows (`height` until it is measured). */
export function useWindow<E extends HTMLElement>(count: number, rowHeight: number, height: number, overscan: number): RowWindow<E> {
  const box = useRef<E>(null);
  const [scroll, setScroll] = useState(0);
  const [view, setView] = useState(height);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(([e]) => setView(e.contentRect.height || height));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scroll / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scroll + view) / rowHeight) + overscan);
  return { box, onScroll: (e) => setScroll(e.currentTarget.scrollTop), first, last };
}

export interface VirtualTableProps<T> {
  label: string;
  rows: readonly T[];
  rowHeight: number;
  /** The header row's cells (role="columnheader"). */
  header: ComponentChildren;
  /** One row: the caller sets its key; `style` places it, `index` is its 0-based place. */
  renderRow: (row: T, index: number, style: string) => VNode;
  /** CSS grid columns shared by the header and the rows. */
  columns: string;
  /** The scroll box's height when it cannot be measured. */
  height?: number;
  overscan?: number;
  testId?: string;
  /** Added to the table's class (its width, the scroll box's height). */
  className?: string;
}

export function VirtualTable<T>({ label, rows, rowHeight, header, renderRow, columns, height = 480, overscan = 3, testId, className }: VirtualTableProps<T>) {
  const { box, onScroll, first, last } = useWindow<HTMLDivElement>(rows.length, rowHeight, height, overscan);
  const shown: VNode[] = [];
  // Placed by a transform, not `top`: a row that moves (a list re-sorted by a board) is then not laid out again.
  for (let i = first; i < last; i += 1) shown.push(renderRow(rows[i], i, `transform:translateY(${i * rowHeight}px);height:${rowHeight}px`));
  return (
    <div class={className ? `vt ${className}` : 'vt'} role="table" aria-label={label} aria-rowcount={rows.length + 1} style={{ '--vt-cols': columns }} data-testid={testId}>
      <div role="rowgroup" class="vt-head">
        <div role="row" aria-rowindex={1} class="vt-row">{header}</div>
      </div>
      <div role="rowgroup" class="vt-body" ref={box} onScroll={onScroll} tabIndex={0}
        style={{ height: `${Math.max(1, rows.length) * rowHeight + 2}px` }}>
        <div role="presentation" class="vt-space" style={{ height: `${rows.length * rowHeight}px` }}>{shown}</div>
      </div>
    </div>
  );
}
