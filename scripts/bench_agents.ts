// Agent benchmarks (BENCHMARKS.md): the AI SDK loop's overhead per step with an
// in-process mock model (no HTTP, no model time), and the time from spawning
// a stdio MCP server (npx, warm npm cache) to its first tool list.
// deno run --no-prompt --allow-read --allow-write --allow-env --allow-run --allow-sys --allow-net=127.0.0.1 scripts/bench_agents.ts
import { dynamicTool, jsonSchema, stepCountIs, streamText } from "ai";
import { convertArrayToReadableStream, MockLanguageModelV4 } from "ai/test";
import { connectMcpServer } from "../src/mcp/client.ts";

const STEPS = 200;
const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

async function loopOverhead(): Promise<number> {
  let call = 0;
  const model = new MockLanguageModelV4({
    doStream: () => {
      call++;
      const last = call >= STEPS;
      return Promise.resolve({
        stream: convertArrayToReadableStream([
          { type: "stream-start", warnings: [] },
          ...(last
            ? [
              { type: "text-start", id: "t" },
              { type: "text-delta", id: "t", delta: "done" },
              { type: "text-end", id: "t" },
            ]
            : [{
              type: "tool-call",
              toolCallId: `c${call}`,
              toolName: "noop",
              input: "{}",
            }]),
          {
            type: "finish",
            finishReason: { unified: last ? "stop" : "tool-calls", raw: undefined },
            usage,
          },
          // deno-lint-ignore no-explicit-any
        ] as any),
      });
    },
  });
  const started = performance.now();
  const result = streamText({
    model,
    system: "bench",
    messages: [{ role: "user", content: "go" }],
    tools: {
      noop: dynamicTool({
        description: "does nothing",
        inputSchema: jsonSchema({ type: "object", properties: {} }),
        execute: () => Promise.resolve("ok"),
      }),
    },
    stopWhen: stepCountIs(STEPS),
  });
  let steps = 0;
  for await (const part of result.stream) if (part.type === "finish-step") steps++;
  const ms = performance.now() - started;
  if (steps !== STEPS) throw new Error(`ran ${steps} steps, expected ${STEPS}`);
  return ms / steps;
}

async function stdioStart(dir: string): Promise<number> {
  const started = performance.now();
  const connection = await connectMcpServer({
    name: "files",
    stdio: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", dir] },
  }, { signal: new AbortController().signal });
  const ms = performance.now() - started;
  if (connection.tools.length === 0) throw new Error("no tools listed");
  await connection.close();
  return ms;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await loopOverhead(); // warm-up
const perStep: number[] = [];
for (let i = 0; i < 5; i++) perStep.push(await loopOverhead());
const dir = await Deno.makeTempDir();
await stdioStart(dir); // warm-up (npx may fetch)
const starts: number[] = [];
for (let i = 0; i < 5; i++) starts.push(await stdioStart(dir));
await Deno.remove(dir, { recursive: true });
console.log(
  `loop overhead per step (mock model, ${STEPS} steps): median ${median(perStep).toFixed(2)} ms`,
);
console.log(
  `stdio MCP server spawn to first tool list (npx, warm): median ${median(starts).toFixed(0)} ms`,
);
