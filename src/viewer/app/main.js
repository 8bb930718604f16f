// The run viewer's page: executions (live), one execution (graph, timeline, task input and
// output, agent transcript, cancel and re-run) and resources. Preact with htm (no build step
// of JSX), routed by the URL's hash; bundled with its libraries by scripts/gen_viewer_assets.ts.
import { h, render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import htm from "htm";
import { buildGraph, layoutGraph, STATE_ICONS, taskInput, taskStates } from "./graph.js";
import { agentEventsOf, buildTranscript } from "./transcript.js";

const html = htm.bind(h);

const PHASES = ["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED"];
const PHASE_ICONS = {
  PENDING: "○",
  RUNNING: "◔",
  COMPLETED: "✓",
  FAILED: "✗",
  CANCELLED: "⊘",
  INTERRUPTED: "⏸",
};
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED"]);

async function api(path, options = {}) {
  const response = await fetch(`/api/${path}`, {
    ...options,
    headers: { accept: "application/json", ...options.headers },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash.replace(/^#/, "") || "/";
}

/** Re-renders every second while `on` (durations of running executions). */
function useTick(on) {
  const [, set] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => set((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [on]);
}

function duration(from, to) {
  if (!from) return "";
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (!(ms >= 0)) return "";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

function Phase({ phase }) {
  return html`<span class="phase phase-${phase.toLowerCase()}" data-phase=${phase}>
    <span aria-hidden="true">${PHASE_ICONS[phase] ?? "?"}</span> ${phase.toLowerCase()}
  </span>`;
}

function Json({ value, label }) {
  if (value === undefined) return html`<p class="muted">${label}: none</p>`;
  return html`<pre class="json" aria-label=${label} tabindex="0">${
    JSON.stringify(value, null, 2)
  }</pre>`;
}

// ---------------------------------------------------------------- executions

function ExecutionsPage() {
  const [filter, setFilter] = useState({ phase: "", target: "" });
  const [list, setList] = useState(null);
  const [targets, setTargets] = useState([]);
  const [error, setError] = useState("");
  useEffect(() => {
    const query = new URLSearchParams();
    if (filter.phase) query.set("phase", filter.phase);
    if (filter.target) query.set("target", filter.target);
    const source = new EventSource(`/api/executions/stream?${query}`);
    source.addEventListener("executions", (e) => {
      const update = JSON.parse(e.data);
      setList(update.executions);
      setTargets(update.targets);
      setError("");
    });
    source.onerror = () => setError("connection to the daemon lost; retrying…");
    return () => source.close();
  }, [filter.phase, filter.target]);
  useTick(list?.some((e) => !TERMINAL.has(e.phase)));
  return html`<section aria-labelledby="executions-title">
    <h1 id="executions-title">Executions</h1>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label>Phase <select id="filter-phase" value=${filter.phase}
        onChange=${(e) => setFilter({ ...filter, phase: e.currentTarget.value })}>
        <option value="">all</option>
        ${PHASES.map((p) => html`<option value=${p}>${p.toLowerCase()}</option>`)}
      </select></label>
      <label>Target <select id="filter-target" value=${filter.target}
        onChange=${(e) => setFilter({ ...filter, target: e.currentTarget.value })}>
        <option value="">all</option>
        ${targets.map((t) => html`<option value=${t}>${t}</option>`)}
      </select></label>
    </form>
    ${error && html`<p class="error" role="status">${error}</p>`}
    ${
    list === null
      ? html`<p class="muted">Loading…</p>`
      : list.length === 0
      ? html`<p class="muted" id="no-executions">No executions${
        filter.phase || filter.target ? " match" : " yet: stigmer run NAME"
      }.</p>`
      : html`
        <div class="table-wrap">
          <table class="executions">
            <thead>
              <tr>
                <th scope="col">Execution</th>
                <th scope="col">Target</th>
                <th scope="col">Phase</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>${list.map((e) =>
              html`
                <tr data-id=${e.id} data-phase=${e.phase}>
                  <td><a href=${`#/executions/${e.id}`}>${e.id}</a></td>
                  <td>${e.target} <span class="muted">${e.kind === "AgentExecution"
                    ? "agent"
                    : "workflow"}</span></td>
                  <td>
                    <${Phase} phase=${e.phase} />
                  </td>
                  <td>${time(e.startedAt || e.createdAt)}</td>
                  <td>${duration(e.startedAt, e.finishedAt)}</td>
                </tr>
              `
            )}</tbody>
          </table>
        </div>
      `
  }
  </section>`;
}

// ---------------------------------------------------------------- one execution

function useExecution(id) {
  const [data, setData] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let source;
    let stopped = false;
    setData(null);
    api(`executions/${encodeURIComponent(id)}`).then((found) => {
      if (stopped) return;
      setData(found);
      const after = found.events.at(-1)?.seq ?? 0;
      source = new EventSource(`/api/executions/${encodeURIComponent(id)}/events?after=${after}`);
      source.addEventListener("event", (e) => {
        const event = JSON.parse(e.data);
        setData((d) =>
          d.events.some((x) => x.seq === event.seq) ? d : { ...d, events: [...d.events, event] }
        );
      });
      source.addEventListener("end", () => {
        source.close();
        api(`executions/${encodeURIComponent(id)}`).then((now) => !stopped && setData(now));
      });
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) setError("connection to the daemon lost");
      };
    }, (e) => setError(e.message));
    return () => {
      stopped = true;
      source?.close();
    };
  }, [id]);
  return { data, error, setData };
}

/** The phase as the events tell it, before the execution is read again at its end. */
function livePhase(data) {
  const last = [...data.events].reverse().find((e) => e.type.startsWith("execution."));
  const byEvent = {
    "execution.started": "RUNNING",
    "execution.resumed": "RUNNING",
    "execution.completed": "COMPLETED",
    "execution.failed": "FAILED",
    "execution.cancelled": "CANCELLED",
    "execution.interrupted": "INTERRUPTED",
  };
  return (last && byEvent[last.type]) ?? data.execution.phase;
}

function GraphView({ graph, layout, states, selected, onSelect }) {
  const margin = 4;
  return html`
    <div class="graph-wrap" role="group" aria-label="Workflow graph">
      <svg class="graph" width=${layout.width + margin * 2} height=${layout.height + margin * 2}
        viewBox=${`${-margin} ${-margin} ${layout.width + margin * 2} ${
          layout.height + margin * 2
        }`}>
          <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"
            markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" /></marker></defs>
          ${[...graph.clusters.values()].map((c) => {
            const b = layout.clusters.get(c.id);
            return html`
              <g class=${`cluster cluster-${c.label.split(" ")[0]}`} data-cluster=${c.id}>
                <rect x=${b.x - b.width / 2} y=${b.y - b.height / 2} width=${b.width}
                  height=${b.height} rx="8" />
                <text x=${b.x - b.width / 2 + 8} y=${b.y - b.height / 2 + 13}>${c.label}</text>
              </g>
            `;
          })}
          ${layout.edges.map((e) =>
            html`<g class="edge">
        <path d=${e.points.map((p, i) => `${i ? "L" : "M"}${p.x},${p.y}`).join(" ")}
          marker-end="url(#arrow)" />
        ${
              e.label &&
              html`<text x=${e.labelX} y=${e.labelY + 4} text-anchor="middle">${e.label}</text>`
            }
      </g>`
          )}
          ${[...graph.nodes.values()].map((n) => {
            const b = layout.nodes.get(n.id);
            const s = states.get(n.id) ?? { state: "waiting", runs: 0 };
            const x = b.x - b.width / 2;
            const y = b.y - b.height / 2;
            if (n.marker) {
              return html`
                <g class=${`node marker state-${s.state.replace(" ", "-")}`} data-path=${n.id}
                  data-state=${s.state}>
                  <rect x=${x} y=${y} width=${b.width} height=${b.height} rx=${b.height / 2} />
                  <text x=${b.x} y=${b.y + 4} text-anchor="middle">${n.name}</text>
                </g>
              `;
            }
            const runs = s.runs > 1 ? ` ×${s.runs}` : "";
            const label = `${n.name}, ${n.detail ?? n.kind}: ${s.state}${runs}`;
            const choose = () => onSelect(n.id);
            return html`
              <g class=${`node state-${s.state.replace(" ", "-")}${
                selected === n.id ? " selected" : ""
              }${n.composite ? " composite" : ""}`}
                data-path=${n.id} data-state=${s.state} data-runs=${s.runs}
                tabindex="0" role="button" aria-pressed=${selected === n.id} aria-label=${label}
                onClick=${choose}
                onKeyDown=${(e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    choose();
                  }
                }}>
                <title>${label}</title>
                <rect x=${x} y=${y} width=${b.width} height=${b.height} rx="6" />
                <text class="name" x=${x + 10} y=${y + 18}>${n.name}</text>
                <text class="detail" x=${x + 10} y=${y + 36}>
                          <tspan class="icon">${STATE_ICONS[s.state] ?? "?"}</tspan> ${s
                            .state}${runs} · ${n.detail ?? n.kind}
                        </text>
              </g>
            `;
          })}
        </svg>
    </div>
  `;
}

function Transcript({ items, live }) {
  if (items.length === 0) {
    return html`<p class="muted">${live ? "Waiting for the agent…" : "No messages."}</p>`;
  }
  return html`<ol class="transcript" aria-live="polite">${
    items.map((item) =>
      item.kind === "user"
        ? html`<li class="msg user"><span class="who">user</span><p>${item.text}</p></li>`
        : item.kind === "agent"
        ? html`<li class="msg agent"><span class="who">${item.agent || "agent"}</span>
          <p>${item.text}</p></li>`
        : html`
          <li class=${`tool tool-${item.status}`} data-tool=${item.name}
            data-status=${item.status}>
            <div class="tool-head">
              <span aria-hidden="true">${item.status === "completed"
                ? "✓"
                : item.status === "failed"
                ? "✗"
                : "◔"}</span>
              <strong>${item.name}</strong>
              <span class="muted">${item.server ? `(${item.server})` : ""}${item.subAgent
                ? "(sub-agent)"
                : ""}</span>
              <span class="status">${item.status}${item.ms !== undefined
                ? `, ${item.ms} ms`
                : ""}</span>
            </div>
            <details open>
                      <summary>arguments and result</summary>
                      <h4>Arguments</h4>
                      <pre class="json">${JSON.stringify(item.arguments ?? {}, null, 2)}</pre>
                      ${item.result !== undefined &&
                        html`
                          <h4>Result${item.truncated ? " (truncated)" : ""}</h4>
                          <pre class="json result">${item.result}</pre>
                        `}
                      ${item.error !== undefined && html`
                        <h4>Error</h4>
                        <pre class="json">${item.error}</pre>
                      `}
                    </details>
          </li>
        `
    )
  }</ol>`;
}

function TaskPanel({ node, state, events, execution }) {
  if (!node) {
    return html`<p class="muted">Select a task in the graph (Tab, then Enter) to see its input and output.</p>`;
  }
  const mine = events.filter((e) => e.task === node.id);
  const done = [...mine].reverse().find((e) =>
    e.type === "task.completed" || e.type === "task.failed"
  );
  const input = taskInput(events, node.id, execution.input);
  const transcript = node.kind === "call: agent"
    ? buildTranscript(agentEventsOf(events, node.id), undefined)
    : [];
  return html`<div class="task-panel" data-task=${node.id}>
    <h3>${node.name} <span class="muted">${node.detail ?? node.kind}</span></h3>
    <p><span class=${`state state-${state.state.replace(" ", "-")}`}>${
    STATE_ICONS[state.state]
  } ${state.state}</span>${state.runs > 1 ? ` (ran ${state.runs} times; the last run below)` : ""}
${done ? ` · ${done.message}` : ""}</p>
    <p class="muted path">${node.id}</p>
    <h4>Input${node.inputFrom ? " (before its input.from)" : ""}</h4>
    ${
    input !== undefined
      ? html`
        <div class="task-input">
          <${Json} value=${input} label="task input" />
        </div>
      `
      : html`<p class="muted">${state.runs > 0 ? "not known" : "not started"}</p>`
  }
    <h4>${done?.type === "task.failed" ? "Error" : "Output"}</h4>
    ${
    done
      ? html`
        <div class="task-output">
          <${Json} value=${done.data ?? null} label="task output" />
        </div>
      `
      : html`<p class="muted">${state.state === "running" ? "running…" : "none yet"}</p>`
  }
    ${
    node.kind === "call: agent" &&
    html`
      <h4>Agent transcript</h4>
      <${Transcript} items=${transcript}
        live=${!TERMINAL.has(execution.phase)} />
    `
  }
  </div>`;
}

const EVENT_ICONS = {
  "execution.started": "▶",
  "execution.resumed": "↻",
  "execution.completed": "✓",
  "execution.failed": "✗",
  "execution.cancelled": "⊘",
  "execution.interrupted": "⏸",
  "task.started": "◔",
  "task.completed": "✓",
  "task.failed": "✗",
  "agent.message": "💬",
  "tool.call.started": "⚙",
  "tool.call.completed": "✓",
  "tool.call.failed": "✗",
  "log": "·",
};

function Timeline({ events, onSelect, graph }) {
  const start = events[0] ? Date.parse(events[0].time) : 0;
  // Streamed text arrives one delta an event: shown as one line per run of deltas.
  const shown = [];
  for (const e of events) {
    const previous = shown.at(-1);
    if (
      e.type === "agent.message" && e.data?.delta && previous?.type === "agent.message" &&
      previous.data?.delta && previous.task === e.task
    ) {
      shown[shown.length - 1] = { ...previous, message: previous.message + e.message };
    } else shown.push(e);
  }
  return html`<ol class="timeline" aria-label="Event timeline">${
    shown.map((e) =>
      html`
        <li class=${`ev ev-${e.type.replaceAll(".", "-")}`} data-seq=${e.seq} data-type=${e.type}
          data-task=${e.task}>
                <span class="t">+${((Date.parse(e.time) - start) / 1000).toFixed(2)}s</span>
                <span class="icon" aria-hidden="true">${EVENT_ICONS[e.type] ?? "·"}</span>
                <span class="type">${e.type}</span>
                ${e.task && graph?.nodes.has(e.task)
                  ? html`<button class="link task" onClick=${() =>
                    onSelect(e.task)}>${e.task}</button>`
                  : e.task && html`<span class="task">${e.task}</span>`}
                <span class="message">${e.message}</span>
              </li>
      `
    )
  }</ol>`;
}

function ExecutionPage({ id }) {
  const { data, error, setData } = useExecution(id);
  const [selected, setSelected] = useState(null);
  const [busy, setBusy] = useState("");
  const [actionError, setActionError] = useState("");
  const graph = useMemo(() => data?.workflow ? buildGraph(data.workflow) : null, [data?.workflow]);
  const layout = useMemo(() => graph ? layoutGraph(graph) : null, [graph]);
  const phase = data ? livePhase(data) : "PENDING";
  useTick(data && !TERMINAL.has(phase));
  if (error && !data) return html`<p class="error" role="alert">${error}</p>`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  const execution = { ...data.execution, phase };
  const states = graph ? taskStates(graph, data.events, phase) : new Map();
  const agentRun = execution.kind === "AgentExecution";
  const transcript = agentRun ? buildTranscript(data.events, execution.input?.message) : [];
  const act = (what) => async () => {
    setBusy(what);
    setActionError("");
    try {
      const result = await api(`executions/${encodeURIComponent(id)}/${what}`, {
        method: "POST",
      });
      if (what === "rerun") location.hash = `#/executions/${result.execution.id}`;
      else {
        const now = await api(`executions/${encodeURIComponent(id)}`);
        setData(now);
      }
    } catch (e) {
      setActionError(e.message);
    } finally {
      setBusy("");
    }
  };
  const node = selected && graph?.nodes.get(selected);
  const finalEvent = data.events.findLast?.((e) => e.type === "execution.completed");
  return html`<section aria-labelledby="execution-title" class="execution" data-id=${id}>
    <p><a href="#/">← Executions</a></p>
    <header class="exec-head">
      <div>
        <h1 id="execution-title">${execution.target}${" "}<span class="muted">${
    agentRun ? "agent" : "workflow"
  }</span></h1>
        <p class="muted">${`${execution.id} · started ${
    time(execution.startedAt || execution.createdAt)
  } · ${duration(execution.startedAt, execution.finishedAt)}`}</p>
      </div>
      <div class="actions">
        <span id="execution-phase" aria-live="polite"><${Phase} phase=${phase} /></span>
        <button id="cancel" disabled=${TERMINAL.has(phase) || busy !== ""}
          onClick=${act("cancel")}>${busy === "cancel" ? "Cancelling…" : "Cancel"}</button>
        <button id="rerun" disabled=${busy !== ""} onClick=${act("rerun")}>
          ${busy === "rerun" ? "Starting…" : "Re-run"}</button>
      </div>
    </header>
    ${actionError && html`<p class="error" role="alert">${actionError}</p>`}
    ${execution.error && html`<p class="error" id="execution-error">${execution.error}</p>`}
    <div class="exec-grid">
      <div class="main-col">
        ${
    graph
      ? html`
        <h2>Graph</h2>
        <${GraphView} graph=${graph} layout=${layout} states=${states}
          selected=${selected} onSelect=${setSelected} />
      `
      : html`
        <h2>Transcript</h2>
        <div id="transcript">
          <${Transcript} items=${transcript}
            live=${!TERMINAL.has(phase)} />
        </div>
      `
  }
      </div>
      <aside class="side-col" aria-label="Details">
        ${
    graph
      ? html`
        <h2>Task</h2>
        <${TaskPanel} node=${node && !node.marker ? node : null}
          state=${states.get(selected) ?? { state: "waiting", runs: 0 }} events=${data.events}
          execution=${execution} />
      `
      : ""
  }
        <h2>Run input</h2><${Json} value=${execution.input} label="execution input" />
        <h2>Run output</h2>
        ${
    TERMINAL.has(phase)
      ? html`<${Json} value=${
        data.execution.output ?? finalEvent?.data ?? null
      } label="execution output" />`
      : html`<p class="muted">not finished</p>`
  }
        ${
    data.workflowYaml &&
    html`
      <details>
        <summary>Workflow document (as it ran)</summary>
        <pre class="yaml" tabindex="0">${data.workflowYaml}</pre>
      </details>
    `
  }
      </aside>
    </div>
    <h2>Timeline</h2>
    <${Timeline} events=${data.events} graph=${graph} onSelect=${setSelected} />
  </section>`;
}

// ---------------------------------------------------------------- resources

const KIND_TITLES = {
  Agent: "Agents",
  Workflow: "Workflows",
  Skill: "Skills",
  McpServer: "MCP servers",
  Environment: "Environments",
};

function ResourcesPage() {
  const [data, setData] = useState(null);
  const [kind, setKind] = useState("Agent");
  const [chosen, setChosen] = useState("");
  const [error, setError] = useState("");
  useEffect(() => {
    api("resources").then(setData, (e) => setError(e.message));
  }, []);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  const items = data.kinds.find((k) => k.kind === kind)?.items ?? [];
  const item = items.find((i) => i.id === chosen) ?? items[0];
  return html`
    <section aria-labelledby="resources-title">
      <h1 id="resources-title">Resources</h1>
      <div class="tabs" role="tablist" aria-label="Kinds">${data.kinds.map((k) =>
        html`
          <button role="tab" id=${`tab-${k.kind}`} aria-selected=${k.kind === kind}
            onClick=${() => {
              setKind(k.kind);
              setChosen("");
            }}>${KIND_TITLES[k.kind] ?? k.kind} <span class="count">${k.items
              .length}</span></button>
        `
      )}</div>
      <div class="res-grid">
        <ul class="res-list" aria-label=${KIND_TITLES[kind]}>${items.length === 0
          ? html`<li class="muted">None applied.</li>`
          : items.map((i) =>
            html`<li><button class=${`link${item?.id === i.id ? " chosen" : ""}`}
          aria-current=${item?.id === i.id} data-name=${i.name}
          onClick=${() => setChosen(i.id)}>${i.name}</button></li>`
          )}</ul>
        <div class="res-yaml">${item
          ? html`
            <h2>${item.name}</h2>
            <pre class="yaml" tabindex="0" id="resource-yaml">${item.yaml}</pre>
          `
          : ""}</div>
      </div>
    </section>
  `;
}

// ---------------------------------------------------------------- shell

function App() {
  const route = useHash();
  const execution = /^\/executions\/([^/]+)$/.exec(route);
  const page = execution
    ? html`<${ExecutionPage} id=${decodeURIComponent(execution[1])} />`
    : route.startsWith("/resources")
    ? html`<${ResourcesPage} />`
    : html`<${ExecutionsPage} />`;
  const main = useRef(null);
  useEffect(() => {
    document.title = execution
      ? `${decodeURIComponent(execution[1])} · Stigmer`
      : route.startsWith("/resources")
      ? "Resources · Stigmer"
      : "Executions · Stigmer";
  }, [route]);
  const current = (prefix) =>
    (prefix === "/" ? !route.startsWith("/resources") : route.startsWith(prefix))
      ? "page"
      : undefined;
  return html`
    <a class="skip" href="#main" onClick=${(e) => {
      e.preventDefault();
      main.current?.focus();
    }}>Skip to content</a>
    <nav class="top" aria-label="Main">
      <strong class="brand">Stigmer</strong>
      <a href="#/" aria-current=${current("/")}>Executions</a>
      <a href="#/resources" aria-current=${current("/resources")}>Resources</a>
    </nav>
    <main id="main" tabindex="-1" ref=${main}>${page}</main>
  `;
}

render(html`<${App} />`, document.getElementById("app"));
