// A conversation as readable lines: what the user said, the agent's text, each
// tool call and (shortened) its result. Messages as the AI SDK records them.

interface Part {
  type: string;
  text?: string;
  toolName?: string;
  input?: unknown;
  output?: { type?: string; value?: unknown };
}

function short(text: string, max = 160): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function parts(content: unknown): Part[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content as Part[] : [];
}

export function transcriptLines(messages: { role: string; content: unknown }[]): string[] {
  const lines: string[] = [];
  for (const message of messages) {
    for (const part of parts(message.content)) {
      if (part.type === "text" && part.text) {
        lines.push(`${message.role === "user" ? "user" : "agent"}: ${part.text}`);
      } else if (part.type === "tool-call") {
        lines.push(`  ⚙ ${part.toolName} ${short(JSON.stringify(part.input ?? {}), 100)}`);
      } else if (part.type === "tool-result") {
        const value = part.output?.value;
        const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
        const failed = part.output?.type?.startsWith("error");
        lines.push(`    ${failed ? "✗" : "→"} ${short(text)}`);
      }
    }
  }
  return lines;
}
