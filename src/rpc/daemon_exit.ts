// How a daemon that could not start tells the CLI why, through its exit code.
export const DaemonExit = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  ALREADY_RUNNING: 4,
  DATA_DIR: 5,
  ADDRESS_IN_USE: 10,
} as const;
