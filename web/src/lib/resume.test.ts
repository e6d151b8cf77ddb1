import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../test/fakes';
import { ResumeTracker } from './resume';

describe('ResumeTracker', () => {
  it('starts with no since, then tracks the last id', () => {
    const t = new ResumeTracker(1);
    expect(t.since).toBeNull();
    expect(t.accept(5)).toBe(true);
    expect(t.accept(9)).toBe(true);
    expect(t.since).toBe(9);
  });

  it('drops repeats and older ids (a replay overlapping live frames)', () => {
    const t = new ResumeTracker(1);
    expect(t.accept(10)).toBe(true);
    expect(t.accept(10)).toBe(false);
    expect(t.accept(7)).toBe(false);
    expect(t.accept(11)).toBe(true);
  });

  it('persists across reloads and keeps the largest value any tab saw', () => {
    const s = new MemoryStorage();
    const tabA = new ResumeTracker(1, s);
    tabA.accept(20);
    const reloaded = new ResumeTracker(1, s);
    expect(reloaded.since).toBe(20);
    const tabB = new ResumeTracker(1, s);
    tabB.accept(25);
    tabA.accept(21); // tab A is behind: storage keeps 25
    expect(s.getItem('parkmate:lastSeen:1')).toBe('25');
    expect(new ResumeTracker(2, s).since).toBeNull();
  });

  it('setBaseline only moves forward and forget clears', () => {
    const s = new MemoryStorage();
    const t = new ResumeTracker(1, s);
    t.setBaseline(30);
    t.setBaseline(10);
    expect(t.since).toBe(30);
    expect(t.accept(30)).toBe(false);
    t.forget();
    expect(t.since).toBeNull();
    expect(s.getItem('parkmate:lastSeen:1')).toBeNull();
  });

  it('ignores garbage in storage', () => {
    const s = new MemoryStorage();
    s.setItem('parkmate:lastSeen:1', 'nope');
    expect(new ResumeTracker(1, s).since).toBeNull();
  });

  it('rewind only lowers the position', () => {
    const s = new MemoryStorage();
    const t = new ResumeTracker(1, s);
    t.accept(50);
    t.rewind(60);
    expect(t.since).toBe(50);
    t.rewind(3);
    expect(t.since).toBe(3);
    expect(s.getItem('parkmate:lastSeen:1')).toBe('3');
    expect(t.accept(4)).toBe(true);
  });
});
