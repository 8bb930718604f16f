// An agent's turn: its instructions and skills as the system prompt, the
// message from the user or the workflow, one reply from the LLM.
import type { ResourceStore } from "../../store/store.ts";
import { chat, type ChatMessage, type LlmSettings } from "../llm/chat.ts";

export class AgentNotFoundError extends Error {}

export async function runAgentTurn(
  store: ResourceStore,
  llm: LlmSettings,
  org: string,
  agentRef: string,
  message: string,
  signal: AbortSignal,
): Promise<string> {
  const agent = await store.get(org, "Agent", agentRef);
  if (!agent) throw new AgentNotFoundError(`Agent "${agentRef}" not found in organization ${org}`);
  const spec = agent.spec as {
    instructions?: string;
    skills?: string[];
    model?: { name?: string };
  };
  let system = spec.instructions ?? "";
  for (const name of spec.skills ?? []) {
    const skill = await store.get(org, "Skill", name);
    const content = skill?.spec as { content?: string; description?: string } | undefined;
    if (content) {
      system += `\n\n## Skill: ${name}\n${content.description ?? ""}\n${content.content ?? ""}`;
    }
  }
  const messages: ChatMessage[] = [
    { role: "system", content: system },
    { role: "user", content: message },
  ];
  return await chat(llm, messages, { model: spec.model?.name, signal });
}
