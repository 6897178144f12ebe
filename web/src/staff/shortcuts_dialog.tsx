// The list of keyboard shortcuts, in a modal dialog ("?" or the settings' button). The native
// <dialog> keeps the focus inside and closes on Esc.
import { useEffect, useRef } from 'preact/hooks';
import { shortcutList } from './shortcuts';

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={dialog} class="shortcuts" aria-labelledby="shortcuts-heading" onClose={onClose}>
      <h2 id="shortcuts-heading">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {shortcutList.map((s) => (
            <tr key={s.keys}>
              <th scope="row"><kbd>{s.keys}</kbd></th>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        <button type="submit" class="button primary">Close</button>
      </form>
    </dialog>
  );
}
