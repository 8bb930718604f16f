// What the auto-start reports while it works; the CLI decides how to show it.
export interface Progress {
  start(text: string): void;
  phase(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  note(text: string): void;
}

export const silentProgress: Progress = {
  start() {},
  phase() {},
  succeed() {},
  fail() {},
  note() {},
};
