// The local programs of `run`: `shell` (sh -c), `script` (JavaScript through `deno run`,
// Python through python3) and `container` (docker, else podman). Each gets the task's
// `arguments` as argv, `stdin`, and an environment of only PATH, HOME, LANG, TMPDIR (and
// the runtimes' own DENO_DIR, PYENV_ROOT) plus the task's `environment`: the daemon's own
// variables (API keys…) never reach them.
//
// Permissions of a JavaScript script: none but reading the environment variables the task
// declares in `environment` (`--allow-env=NAMES`). No file, network or process access.
import { workflowError } from "../errors.ts";

export type ProcessReturn = "stdout" | "stderr" | "code" | "all" | "none";

export interface ProcessRequest {
  kind: "shell" | "script" | "container";
  /** shell: the command; container: the command run by `sh -c` in the image, if any. */
  command?: string;
  language?: "js" | "python";
  code?: string;
  image?: string;
  containerName?: string;
  pullPolicy?: string;
  /** lifetime.cleanup: never (else the container is removed when it ends: always, eventually). */
  keep?: boolean;
  args: string[];
  env: Record<string, string>;
  stdin?: string;
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

const PASSED_ENV = ["PATH", "HOME", "LANG", "TMPDIR", "DENO_DIR", "PYENV_ROOT", "PYENV_VERSION"];
const PULL = { ifNotPresent: "missing", always: "always", never: "never" } as Record<
  string,
  string
>;

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) env[name] = value;
    } catch { /* not readable by this process (the daemon's narrow --allow-env) */ }
  }
  return env;
}

/** The deno to run scripts with: this one, unless this is a compiled binary. */
function denoPath(): string {
  const self = Deno.execPath();
  return /(^|[/\\])deno(\.exe)?$/.test(self) ? self : "deno";
}

async function installed(program: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(program, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Runs the process to its end (or kills it when `signal` aborts). */
export async function runProcess(
  request: ProcessRequest,
  signal: AbortSignal,
): Promise<ProcessResult> {
  let program: string;
  let args: string[];
  const env = { ...baseEnv(), ...request.env };
  if (request.kind === "shell") {
    program = "sh";
    args = ["-c", request.command ?? "", "sh", ...request.args];
  } else if (request.kind === "script") {
    // The code goes on the command line, not in a file: nothing to write or clean up.
    if (request.language === "python") {
      program = "python3";
      args = ["-c", request.code ?? "", ...request.args];
    } else {
      program = denoPath();
      const file = `data:text/javascript;base64,${base64(request.code ?? "")}`;
      const names = Object.keys(request.env);
      args = [
        "run",
        "--quiet",
        "--no-prompt",
        "--no-config",
        ...(names.length ? [`--allow-env=${names.join(",")}`] : []),
        file,
        ...request.args,
      ];
    }
  } else {
    program = (await installed("docker")) ? "docker" : (await installed("podman")) ? "podman" : "";
    if (!program) {
      throw workflowError(
        "configuration",
        "run: container needs docker or podman, and neither is installed on this machine",
        { title: "No container runtime" },
      );
    }
    args = ["run", ...(request.keep ? [] : ["--rm"]), "-i"];
    if (request.containerName) args.push("--name", request.containerName);
    if (request.pullPolicy) args.push(`--pull=${PULL[request.pullPolicy] ?? "missing"}`);
    for (const [name, value] of Object.entries(request.env)) args.push("-e", `${name}=${value}`);
    args.push(request.image ?? "");
    if (request.command !== undefined) args.push("sh", "-c", request.command, "sh");
    args.push(...request.args);
  }

  {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        env,
        clearEnv: true,
        stdin: request.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        const what = request.kind === "script"
          ? `${request.language === "python" ? "python3" : "deno"} (to run a ${
            request.language === "python" ? "Python" : "JavaScript"
          } script)`
          : program;
        throw workflowError("configuration", `${what} is not installed on this machine`, {
          title: "Program not found",
        });
      }
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        throw workflowError(
          "configuration",
          `cannot start ${program}: this process was started without --allow-run`,
          { title: "Local processes not allowed" },
        );
      }
      throw error;
    }
    const kill = () => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    };
    signal.addEventListener("abort", kill, { once: true });
    try {
      if (request.stdin !== undefined) {
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(request.stdin)).catch(() => {});
        await writer.close().catch(() => {});
      }
      const output = await child.output();
      if (signal.aborted) throw signal.reason;
      const result = {
        code: output.code,
        stdout: new TextDecoder().decode(output.stdout),
        stderr: new TextDecoder().decode(output.stderr),
      };
      if (
        request.kind === "container" && result.code === 125 &&
        /cannot connect|daemon|socket/i.test(result.stderr)
      ) {
        throw workflowError(
          "configuration",
          `the ${program} client is installed but no ${program} engine answers: start one ` +
            `(or install podman). ${program} said: ${result.stderr.trim().split("\n")[0]}`,
          { title: "No container engine" },
        );
      }
      return result;
    } finally {
      signal.removeEventListener("abort", kill);
    }
  }
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The task's output for `return`; a failed process is an error unless its code is asked for. */
export function processOutput(result: ProcessResult, ret: ProcessReturn, what: string): unknown {
  if (result.code !== 0 && ret !== "code" && ret !== "all") {
    const stderr = result.stderr.trim();
    throw workflowError(
      "runtime",
      `${what} exited with code ${result.code}${stderr ? `: ${stderr.slice(0, 2000)}` : ""}`,
      { title: "Process failed" },
    );
  }
  switch (ret) {
    case "stdout":
      return result.stdout;
    case "stderr":
      return result.stderr;
    case "code":
      return result.code;
    case "all":
      return result;
    case "none":
      return null;
  }
}
