// Code mode: run the project's TypeScript program (Stigmer.yaml `main`) with
// narrow permissions and read back the resources it declares with the SDK.
//
// The SDK ships inside the CLI (a text import, so `deno compile` embeds it) and
// is written to `<project>/.stigmer/sdk/mod.ts`; an import map there maps
// `@stigmer/sdk` to it, merged with the project's own deno.json imports.
import { basename, dirname, fromFileUrl, join, resolve, toFileUrl } from "../path.ts";
import stripJsonComments from "strip-json-comments";
import SDK_SOURCE from "../sdk/mod.ts" with { type: "text" };
import { type Diagnostic, StigmerError, ValidationError } from "../errors.ts";
import { inlineSkillFiles } from "./manifest.ts";
import {
  type DeclaredResource,
  manifestFromValue,
  prepareWorkflowCheck,
} from "./manifest_value.ts";
import { displayPath, isInside, realPathInside } from "./paths.ts";
import { parseSynthOutput } from "./synth.ts";
import { checkModuleGraph, type CodeModeProtection, leakedSecretFile } from "./code_mode_guard.ts";
import { formatSize, MAX_MANIFEST_BYTES } from "../model/yaml_source.ts";

/** What a program imports to get the SDK. */
export const SDK_SPECIFIER = "@stigmer/sdk";
/** Where the SDK is written, relative to the project directory (for a project's deno.json too). */
export const SDK_PATH = ".stigmer/sdk/mod.ts";
export const IMPORT_MAP_PATH = ".stigmer/import_map.json";

export const DEFAULT_TIMEOUT_MS = 30_000;
const STDERR_TAIL_LINES = 20;
const STDERR_KEEP_BYTES = 64 * 1024;

export interface CodeModeOptions {
  /** The deno executable; default: this one when running under deno, else `deno` on PATH. */
  denoPath?: string;
  timeoutMs?: number;
  /** Environment variables the program may read (Deno's `--allow-env` list, `*` suffix allowed). */
  allowEnv?: string[];
  /** Base for file names in diagnostics; default: the current directory. */
  cwd?: string;
  /** STIGMER_HOME's files the program must never read, nor print the secrets of. */
  protection?: CodeModeProtection;
}

/** The deno to run programs with: ours under `deno run`, `deno` on PATH once compiled. */
export function defaultDenoPath(): string {
  const exec = Deno.execPath();
  return /^deno(\.exe)?$/i.test(basename(exec)) ? exec : "deno";
}

async function writeIfChanged(path: string, content: string): Promise<void> {
  const current = await Deno.readTextFile(path).catch(() => undefined);
  if (current !== content) {
    await Deno.mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, content);
    await Deno.rename(temp, path);
  }
}

/**
 * Writes the SDK and the import map into `<projectDir>/.stigmer/`. `stigmer init`
 * calls it too, so editors can resolve `@stigmer/sdk` (map it to {@link SDK_PATH}).
 */
export async function installSdk(
  projectDir: string,
): Promise<{ sdkFile: string; importMapFile: string }> {
  const root = resolve(projectDir);
  const sdkFile = join(root, SDK_PATH);
  const importMapFile = join(root, IMPORT_MAP_PATH);
  try {
    await writeIfChanged(
      sdkFile,
      `// Written by the Stigmer CLI; edits are overwritten.\n${SDK_SOURCE}`,
    );
    const gitignore = join(root, ".stigmer", ".gitignore");
    if (!(await Deno.stat(gitignore).catch(() => undefined))) {
      await Deno.writeTextFile(gitignore, "*\n");
    }
    const projectMap = await projectImportMap(root);
    const importMap = {
      imports: { ...projectMap.imports, [SDK_SPECIFIER]: "./sdk/mod.ts" },
      scopes: projectMap.scopes,
    };
    await writeIfChanged(importMapFile, `${JSON.stringify(importMap, null, 2)}\n`);
  } catch (error) {
    throw new StigmerError(
      `cannot write the Stigmer SDK into ${join(root, ".stigmer")}: ${errorText(error)}`,
      {
        cause: error,
      },
    );
  }
  return { sdkFile, importMapFile };
}

interface ImportMap {
  imports: Record<string, string>;
  scopes: Record<string, Record<string, string>>;
}

/**
 * The project's own import map (deno.json "imports"/"scopes", or its
 * "importMap" file), with relative addresses made absolute: `--import-map`
 * replaces it, so we carry it over.
 */
async function projectImportMap(root: string): Promise<ImportMap> {
  const empty: ImportMap = { imports: {}, scopes: {} };
  for (const name of ["deno.json", "deno.jsonc"]) {
    const path = join(root, name);
    const text = await Deno.readTextFile(path).catch(() => undefined);
    if (text === undefined) continue;
    let config: Record<string, unknown>;
    try {
      config = parseJsonc(text) as Record<string, unknown>;
    } catch {
      return empty; // deno itself will report a broken deno.json
    }
    if (typeof config.importMap === "string") {
      const mapPath = resolve(root, config.importMap);
      const mapText = await Deno.readTextFile(mapPath).catch(() => "{}");
      try {
        return absolutize(JSON.parse(mapText), mapPath);
      } catch {
        return empty;
      }
    }
    return absolutize(config, path);
  }
  return empty;
}

function absolutize(config: Record<string, unknown>, from: string): ImportMap {
  const base = toFileUrl(from);
  const fix = (address: string): string =>
    /^\.{0,2}\//.test(address) ? new URL(address, base).href : address;
  const fixAll = (map: unknown): Record<string, string> =>
    Object.fromEntries(
      Object.entries(map && typeof map === "object" ? map : {})
        .filter(([, v]) => typeof v === "string")
        .map(([k, v]) => [k, fix(v as string)]),
    );
  const scopes = config.scopes && typeof config.scopes === "object" ? config.scopes : {};
  return {
    imports: fixAll(config.imports),
    scopes: Object.fromEntries(
      Object.entries(scopes).map(([scope, map]) => [fix(scope), fixAll(map)]),
    ),
  };
}

/** Parses deno.json or deno.jsonc: comments and trailing commas allowed, strings left intact. */
export function parseJsonc(text: string): unknown {
  // strip-json-comments, not jsonc-parser: the latter loads as CommonJS here (its ESM build
  // has extension-less imports) and costs about 150 ms at import, measured in-process.
  return JSON.parse(stripJsonComments(text, { trailingCommas: true }));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads a stream to its end, keeping at most `limit` bytes (the first or the last ones). */
async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  keep: "head" | "tail",
  onOverflow: () => void,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let overflowed = false;
  for await (const chunk of stream) {
    if (keep === "head" && overflowed) continue; // keep draining so the child is not blocked
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      if (keep === "head") {
        overflowed = true;
        onOverflow();
      } else {
        while (size - chunks[0].length > limit) size -= chunks.shift()!.length;
      }
    }
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(all);
}

// deno prints colour codes even with NO_COLOR in some paths; users read these lines.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

function stderrTail(stderr: string): string {
  const lines = stderr.replace(ANSI, "").trimEnd().split("\n");
  return lines.slice(-STDERR_TAIL_LINES).map((line) => `    ${line}`).join("\n");
}

/** The first place in the project that the program's error output points at. */
function errorLocation(
  stderr: string,
  root: string,
): { line: number; column: number; file?: string } {
  const sdkDir = join(root, ".stigmer");
  for (const match of stderr.replace(ANSI, "").matchAll(/(file:\/\/[^\s)]+):(\d+):(\d+)/g)) {
    try {
      const file = fromFileUrl(match[1]);
      if (isInside(root, file) && !isInside(sdkDir, file)) {
        return { file, line: Number(match[2]), column: Number(match[3]) };
      }
    } catch {
      // not a usable file URL
    }
  }
  return { line: 0, column: 0 };
}

/**
 * Runs `mainFile` (relative to `projectDir`, or absolute inside it) with
 * `deno run --no-prompt --allow-read=<projectDir>`: no network, no writes, no
 * subprocesses. Returns the resources it declares with the SDK's synth().
 * A program that fails, times out or declares nothing throws a ValidationError
 * whose diagnostic carries the last lines of its error output.
 */
export async function runCodeMode(
  projectDir: string,
  mainFile: string,
  options: CodeModeOptions = {},
): Promise<DeclaredResource[]> {
  const root = resolve(projectDir);
  const cwd = options.cwd ?? Deno.cwd();
  const mainDisplay = displayPath(resolve(root, mainFile), cwd);
  const fail = (
    message: string,
    where: { line: number; column: number; file?: string } = { line: 0, column: 0 },
  ) => {
    const file = where.file ? displayPath(where.file, cwd) : mainDisplay;
    return new ValidationError(`${mainDisplay}: ${message.split("\n")[0]}`, [
      { file, line: where.line, column: where.column, path: "", message },
    ]);
  };

  let main: string;
  try {
    main = await realPathInside(root, root, mainFile);
  } catch (error) {
    throw fail(error instanceof Deno.errors.NotFound ? "file not found" : errorText(error));
  }
  const { importMapFile } = await installSdk(root);
  const denoPath = options.denoPath ?? defaultDenoPath();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const allowEnv = options.allowEnv ?? ["STIGMER_CODE_MODE"];
  const protectedPaths = options.protection?.protectedPaths ?? [];
  const secretFiles = options.protection?.secretFiles ?? [];
  const env = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", STIGMER_CODE_MODE: "1" };
  const spawn = (args: string[]): Deno.ChildProcess => {
    try {
      return new Deno.Command(denoPath, {
        args,
        cwd: root,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env,
      }).spawn();
    } catch (error) {
      throw new StigmerError(
        `cannot run ${mainDisplay}: "${denoPath}" could not be started (${errorText(error)})`,
        {
          hint:
            "Code mode needs Deno: install it from https://deno.com, or remove `main` from Stigmer.yaml.",
          cause: error,
        },
      );
    }
  };

  // Imports are not reads for Deno: check the whole module graph before anything runs.
  const infoChild = spawn(["info", "--json", "--import-map", importMapFile, main]);
  // Only against a hang (a registry that never answers): the program's own limit may be short.
  const infoTimeoutMs = Math.max(timeoutMs, DEFAULT_TIMEOUT_MS);
  const infoTimer = setTimeout(() => {
    try {
      infoChild.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, infoTimeoutMs);
  const info = await infoChild.output().finally(() => clearTimeout(infoTimer));
  const graph = new TextDecoder().decode(info.stdout);
  if (info.signal === "SIGKILL") {
    throw fail(
      `checking the program's imports took more than ${infoTimeoutMs / 1000}s and was stopped`,
    );
  }
  if (!info.success) {
    const tail = stderrTail(new TextDecoder().decode(info.stderr));
    throw fail(`cannot check the program's imports (deno info failed):\n${tail}`);
  }
  const violations = await checkModuleGraph(graph, root, protectedPaths, cwd);
  if (violations.length > 0) {
    throw new ValidationError(
      `${mainDisplay}: imports files outside the project; nothing was run`,
      violations.map((v) => ({
        file: displayPath(v.file ?? main, cwd),
        line: v.line,
        column: v.column,
        path: "",
        message: v.message,
      })),
    );
  }

  const child = spawn([
    "run",
    "--quiet",
    "--no-prompt",
    `--allow-read=${root}`,
    ...(protectedPaths.length > 0 ? [`--deny-read=${protectedPaths.join(",")}`] : []),
    ...(allowEnv.length > 0 ? [`--allow-env=${allowEnv.join(",")}`] : []),
    "--import-map",
    importMapFile,
    main,
  ]);

  let stopped: "timeout" | "overflow" | undefined;
  const stop = (why: "timeout" | "overflow") => {
    if (stopped) return;
    stopped = why;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => stop("timeout"), timeoutMs);
  let stdout: string, stderr: string, status: Deno.CommandStatus;
  try {
    [stdout, stderr, status] = await Promise.all([
      collect(child.stdout, MAX_MANIFEST_BYTES, "head", () => stop("overflow")),
      collect(child.stderr, STDERR_KEEP_BYTES, "tail", () => {}),
      child.status,
    ]);
  } finally {
    clearTimeout(timer);
  }

  const leaked = await leakedSecretFile([stdout, stderr], secretFiles);
  if (leaked) {
    throw fail(
      `the program's output holds a secret of ${leaked}; it was not used or shown. ` +
        "A program must not read the files of STIGMER_HOME (look for symlinks in the project).",
    );
  }
  const tail = stderr.trim() ? `\n${stderrTail(stderr)}` : "";
  if (stopped === "timeout") {
    throw fail(`the program did not finish within ${timeoutMs / 1000}s and was stopped${tail}`);
  }
  if (stopped === "overflow") {
    throw fail(`the program printed more than ${formatSize(MAX_MANIFEST_BYTES)} and was stopped`);
  }
  if (!status.success) {
    const how = status.signal
      ? `was killed by ${status.signal}`
      : `failed (exit code ${status.code})`;
    throw fail(`the program ${how}${tail ? `:${tail}` : ""}`, errorLocation(stderr, root));
  }

  let synthesized;
  try {
    synthesized = parseSynthOutput(stdout);
  } catch (error) {
    throw fail(errorText(error));
  }
  if (synthesized === undefined) {
    throw fail(
      `the program declared nothing: end it with synth(...) from "${SDK_SPECIFIER}"${tail}`,
    );
  }

  const resources: DeclaredResource[] = [];
  const diagnostics: Diagnostic[] = [];
  await prepareWorkflowCheck(
    synthesized.map((item) => String((item.manifest as { kind?: unknown })?.kind)).join(" "),
  );
  for (const item of synthesized) {
    const sourceFile = sourcePath(item.source?.file) ?? main;
    const source = {
      file: displayPath(sourceFile, cwd),
      line: item.source?.line ?? 0,
      column: item.source?.column ?? 0,
    };
    const result = manifestFromValue(item.manifest, source);
    diagnostics.push(...result.diagnostics);
    diagnostics.push(...await inlineSkillFiles(result.resources, dirname(sourceFile), root));
    resources.push(...result.resources);
  }
  if (diagnostics.length > 0) {
    throw new ValidationError(`${mainDisplay} declares invalid resources`, diagnostics);
  }
  return resources;
}

function sourcePath(url: string | undefined): string | undefined {
  if (!url?.startsWith("file:")) return undefined;
  try {
    return fromFileUrl(url);
  } catch {
    return undefined;
  }
}
