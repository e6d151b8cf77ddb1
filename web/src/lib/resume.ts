// ResumeTracker remembers the last notification id this tab has received so a
// reconnect asks for `?since=<last id>` and loses nothing, and drops a frame it
// has already seen (ids strictly increase per user, so anything at or below the
// last id is a repeat).

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class ResumeTracker {
  private last: number | null;
  private readonly store?: KeyValueStore;
  private readonly key: string;

  constructor(userId: number | string, store?: KeyValueStore, initial?: number | null) {
    this.key = `parkmate:lastSeen:${userId}`;
    this.store = store;
    const persisted = ResumeTracker.read(store, this.key);
    const candidates = [persisted, initial ?? null].filter((v): v is number => v !== null);
    this.last = candidates.length ? Math.max(...candidates) : null;
  }

  private static read(store: KeyValueStore | undefined, key: string): number | null {
    if (!store) return null;
    try {
      const raw = store.getItem(key);
      if (raw === null) return null;
      const n = Number(raw);
      return Number.isInteger(n) && n >= 0 ? n : null;
    } catch {
      return null;
    }
  }

  /** since is the value for `?since=`, or null when nothing was seen yet. */
  get since(): number | null {
    return this.last;
  }

  /** hasBaseline tells whether a since value is known (persisted or set). */
  get hasBaseline(): boolean {
    return this.last !== null;
  }

  /** setBaseline raises the last id without treating anything as received. */
  setBaseline(id: number): void {
    if (this.last === null || id > this.last) {
      this.last = id;
      this.persist();
    }
  }

  /**
   * rewind lowers the position to id when the server's newest notification is
   * older than what we remember (its database was reset): otherwise every new
   * notification would look like a repeat.
   */
  rewind(id: number): void {
    if (this.last !== null && id < this.last) {
      this.last = id;
      try {
        this.store?.setItem(this.key, String(id));
      } catch {
        /* ignore */
      }
    }
  }

  /**
   * accept records id and returns true the first time a newer id is seen;
   * it returns false for a repeat (at or below the last id).
   */
  accept(id: number): boolean {
    if (!Number.isFinite(id)) return false;
    if (this.last !== null && id <= this.last) return false;
    this.last = id;
    this.persist();
    return true;
  }

  private persist(): void {
    if (!this.store || this.last === null) return;
    try {
      // Keep the largest value any tab saw: another tab may be ahead of us.
      const other = ResumeTracker.read(this.store, this.key);
      const v = other !== null && other > this.last ? other : this.last;
      this.store.setItem(this.key, String(v));
    } catch {
      /* storage full or disabled: resume still works within this tab */
    }
  }

  /** forget drops the persisted position (on logout). */
  forget(): void {
    this.last = null;
    try {
      this.store?.removeItem(this.key);
    } catch {
      /* ignore */
    }
  }
}
