import { z } from 'zod';

/** Characters tmux accepts in session and window names without reinterpreting them in targets (`.` and `:` split targets). */
export const TMUX_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * What `tmux-window-runner` reads from its spec file (mode 0600, in a 0700 folder): the program to
 * run and where to leave its results. Never on a tmux command line, where `ps` would show the
 * environment (keys, the prompt).
 */
export const windowRunSpecSchema = z.strictObject({
  /** Shown in the window's first line. */
  member: z.string(),
  /** Program and arguments; executed directly, never through a shell. */
  argv: z.array(z.string()).min(1),
  cwd: z.string().min(1),
  /** The whole environment of the program. */
  env: z.record(z.string(), z.string()),
  /** The program's stdin; absent: the window's terminal (an interactive program driven with `send-keys`). */
  stdinFile: z.string().min(1).optional(),
  /** Receives a copy of the program's stdout. */
  outputFile: z.string().min(1),
  /** Receives a copy of the program's stderr. */
  stderrFile: z.string().min(1),
  /** Written once the program is spawned: {@link windowRunStartedSchema}. */
  startedFile: z.string().min(1),
  /** Written once the program is done: {@link windowRunExitSchema}. */
  exitFile: z.string().min(1),
  /** Bytes of stdout beyond which the program's process group is killed. */
  maxOutputBytes: z.int().positive().optional(),
});

export type WindowRunSpec = z.infer<typeof windowRunSpecSchema>;

/** The started file: the program's pid (leader of its own session and process group) and the runner's. */
export const windowRunStartedSchema = z.object({
  pid: z.int().positive(),
  runnerPid: z.int().positive(),
});

export type WindowRunStarted = z.infer<typeof windowRunStartedSchema>;

/** The exit file: how the program ended, or why it never started. */
export const windowRunExitSchema = z.object({
  exitCode: z.int().nullable(),
  signal: z.string().nullable(),
  /** The program wrote more than `maxOutputBytes` and was killed. */
  isOutputExceeded: z.boolean().default(false),
  /** Bytes the program wrote to stdout (those past `maxOutputBytes` included). */
  outputBytes: z.int().nonnegative().default(0),
  /** The program could not be spawned (`code`: ENOENT, EACCES…). */
  spawnError: z.object({ code: z.string().optional(), message: z.string() }).optional(),
});

export type WindowRunExit = z.infer<typeof windowRunExitSchema>;

/** How often check-ins and commits come (seed: "Check-ins: every 15 minutes; commits every 30 minutes"). */
export const cadenceSettingsSchema = z.strictObject({
  /** Period of check-ins, in ms. @default 900000 (15 minutes) */
  checkInMs: z.int().min(1000).default(15 * 60_000),
  /** Period of commits, in ms. @default 1800000 (30 minutes) */
  commitEveryMs: z.int().min(1000).default(30 * 60_000),
});

export type CadenceSettings = z.infer<typeof cadenceSettingsSchema>;
export type CadenceSettingsInput = z.input<typeof cadenceSettingsSchema>;

/** Options of `TmuxTeam`. */
export const tmuxTeamOptionsSchema = z.strictObject({
  team: z.string().min(1),
  socketName: z.string().regex(TMUX_NAME_PATTERN).optional(),
  tmuxTmpDir: z.string().min(1).optional(),
  runnerPath: z.string().min(1).optional(),
  killGraceMs: z.int().nonnegative().default(2000),
});
