// Test helpers: real temporary directories with real files.
import { dirname, join } from "node:path";
import { ValidationError } from "../../src/errors.ts";

/** Creates a temporary directory holding `files` (path → content), runs `fn`, then removes it. */
export async function withProject(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "stigmer-model-" }));
  try {
    await writeFiles(dir, files);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), content);
  }
}

/** Runs `fn`, which must throw a ValidationError, and returns it. */
export async function validationError(fn: () => unknown): Promise<ValidationError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError, but nothing was thrown");
}

export const AGENT = `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: greeter
spec:
  instructions: Greet people warmly.
`;

export function agentYaml(name: string, extra = ""): string {
  return `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: ${name}
spec:
  instructions: Be helpful.
${extra}`;
}
