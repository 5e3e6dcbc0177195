import { SignalDebouncer } from './signal-debouncer';

describe('SignalDebouncer', () => {
  const at = (times: number[]) => {
    let i = 0;
    return new SignalDebouncer(() => times[i++]);
  };

  it('shuts down on the first signal', () => {
    expect(at([0]).decide('SIGTERM')).toBe('shut-down');
  });

  it('ignores the same signal again within 2 s (npm start forwarding Ctrl-C on top of the terminal)', () => {
    const debouncer = at([1000, 1000, 2999]);
    expect(debouncer.decide('SIGINT')).toBe('shut-down');
    expect(debouncer.decide('SIGINT')).toBe('ignore');
    expect(debouncer.decide('SIGINT')).toBe('ignore');
  });

  it('exits at once on the same signal 2 s or more after the first (a deliberate second Ctrl-C)', () => {
    const debouncer = at([1000, 1500, 3000]);
    debouncer.decide('SIGINT');
    expect(debouncer.decide('SIGINT')).toBe('ignore');
    expect(debouncer.decide('SIGINT')).toBe('exit-now');
  });

  it('exits at once on a different signal, however soon', () => {
    const debouncer = at([0, 10]);
    debouncer.decide('SIGTERM');
    expect(debouncer.decide('SIGINT')).toBe('exit-now');
  });
});
