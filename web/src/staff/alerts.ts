// Getting a busy agent's attention: a chime made with WebAudio (nothing is fetched) and a browser
// notification when the page is not in front. Browsers allow sound only after the person touched
// the page, and notifications only after they said yes on a click: `unlock()` runs on the first
// key or pointer press, `askNotifications()` from a button. The choice of sound is kept per browser.
import { channelName } from './format';
import type { Alerts, Offer } from './workspace';

const soundKey = 'sb.staff.sound';

export class BrowserAlerts implements Alerts {
  private ctx_: AudioContext | null = null;
  sound: boolean;

  constructor(private readonly title: string) {
    this.sound = readSetting(soundKey) !== 'off';
    const unlock = () => this.unlock();
    addEventListener('pointerdown', unlock, { once: true, capture: true });
    addEventListener('keydown', unlock, { once: true, capture: true });
  }

  setSound(on: boolean): void {
    this.sound = on;
    writeSetting(soundKey, on ? 'on' : 'off');
    if (on) this.chime();
  }

  /** "default" until asked; "unsupported" without the Notification API. */
  get permission(): NotificationPermission | 'unsupported' {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  }

  /** Call from a click: the browser asks the person. */
  async askNotifications(): Promise<void> {
    if (this.permission === 'default') await Notification.requestPermission();
  }

  offer(offer: Offer): void {
    this.chime();
    const where = [offer.queue, channelName(offer.channel)].filter(Boolean).join(' · ');
    const what = offer.channel === 'CHANNEL_EMAIL' ? 'email' : 'chat';
    this.notify(`New ${what} offer${where ? ` (${where})` : ''}`, offer.preview ?? '', `offer-${offer.conversationId}`, true);
  }

  message(title: string, body: string): void {
    if (document.visibilityState === 'visible' && document.hasFocus()) return;
    this.chime(0.5);
    this.notify(`${title} wrote`, body, `msg-${title}`, false);
  }

  private notify(title: string, body: string, tag: string, always: boolean): void {
    if (this.permission !== 'granted') return;
    if (!always && document.visibilityState === 'visible' && document.hasFocus()) return;
    try {
      const n = new Notification(`${title} · ${this.title}`, { body, tag });
      n.onclick = () => {
        focus();
        n.close();
      };
    } catch {
      // some browsers allow notifications only from a service worker: the chime still plays
    }
  }

  private unlock(): void {
    if (!this.ctx_ && typeof AudioContext !== 'undefined') this.ctx_ = new AudioContext();
    void this.ctx_?.resume();
  }

  /** Two soft rising notes (about 0.4 s). */
  private chime(volume = 1): void {
    const ctx = this.ctx_;
    if (!this.sound || !ctx || ctx.state !== 'running') return;
    const t0 = ctx.currentTime;
    [660, 880].forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = hz;
      const start = t0 + i * 0.16;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2 * volume, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.32);
    });
  }
}

function readSetting(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode: the choice lasts for the page
  }
}
