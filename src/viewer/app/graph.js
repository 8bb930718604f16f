// The workflow as a graph: tasks as nodes, nested do/for/fork/try as clusters (as the DSL
// nests them), switch cases and `then` jumps as labelled edges; each node's state from the
// run's events (task paths are the engine's: "do/0/both/fork/branches/1/sub"). Laid out by
// dagre (compound graph). Pure: no DOM, so it is tested on its own.
import dagre from "@dagrejs/dagre";

export const START = "(start)";
export const END = "(end)";

// "do" last: a `for` has a `do` too.
const KINDS = ["for", "fork", "switch", "try", "set", "wait", "raise", "emit", "listen", "do"];

/** "set", "call: http", "run: shell", … */
export function kindOf(def) {
  if (!def || typeof def !== "object") return "task";
  if (def.call !== undefined) return `call: ${typeof def.call === "string" ? def.call : "?"}`;
  if (def.run && typeof def.run === "object") {
    const how = ["shell", "script", "container", "workflow"].find((k) => k in def.run);
    return how ? `run: ${how}` : "run";
  }
  return KINDS.find((k) => k in def) ?? "task";
}

function entriesOf(list) {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const entries = item && typeof item === "object" ? Object.entries(item) : [];
    return entries.length === 1 ? [entries[0]] : [];
  });
}

/** Nodes, clusters and edges of a workflow document (the spec a run started with). */
export function buildGraph(workflow) {
  const nodes = new Map();
  const clusters = new Map();
  const edges = [];
  const edge = (from, to, label = "") => {
    if (!edges.some((e) => e.from === from && e.to === to && e.label === label)) {
      edges.push({ from, to, label });
    }
  };
  const node = (id, props) => nodes.set(id, { id, parent: null, ...props });
  node(START, { name: "start", kind: "", marker: true });
  node(END, { name: "end", kind: "", marker: true });

  const cluster = (id, parent, label) => {
    clusters.set(id, { id, parent, label });
    return id;
  };

  /** Adds a list of tasks; returns its entry node and the nodes whose flow leaves the list. */
  function addList(list, listPath, parent) {
    const tasks = entriesOf(list).map(([name, def], index) => ({
      name,
      def,
      path: `${listPath}/${index}/${name}`,
    }));
    const added = tasks.map((task) => addTask(task, parent));
    const byName = new Map(tasks.map((t, i) => [t.name, i]));
    const exits = [];
    const flow = (fromIds, directive, index, label = "") => {
      const target = directive ?? "continue";
      if (target === "end") fromIds.forEach((id) => edge(id, END, label));
      else if (target === "exit" || (target === "continue" && index === tasks.length - 1)) {
        if (label) fromIds.forEach((id) => exits.push({ id, label }));
        else fromIds.forEach((id) => exits.push({ id, label: "" }));
      } else if (target === "continue") {
        fromIds.forEach((id) => edge(id, added[index + 1].entry, label));
      } else if (byName.has(target)) {
        fromIds.forEach((id) => edge(id, added[byName.get(target)].entry, label));
      }
    };
    tasks.forEach((task, index) => {
      if (kindOf(task.def) === "switch") {
        let hasDefault = false;
        for (const [caseName, spec] of entriesOf(task.def.switch)) {
          if (!spec?.when) hasDefault = true;
          flow([task.path], spec?.then, index, caseName);
        }
        if (!hasDefault) flow([task.path], "continue", index, "no match");
      } else flow(added[index].exits, task.def?.then, index);
    });
    return { entry: added[0]?.entry, exits };
  }

  /** Connects a list's exits onward: they become this composite's own exits. */
  const outOf = (list) => list.exits.map((e) => e.id);

  function addTask(task, parent) {
    const kind = kindOf(task.def);
    const base = {
      name: task.name,
      kind,
      path: task.path,
      parent,
      inputFrom: typeof task.def?.input?.from === "string" || !!task.def?.input?.from,
    };
    if (!["do", "for", "fork", "try"].includes(kind)) {
      node(task.path, base);
      return { entry: task.path, exits: [task.path] };
    }
    const own = cluster(`cluster:${task.path}`, parent, `${kind} ${task.name}`);
    const detail = kind === "for"
      ? `for each ${task.def.for?.each ?? "item"} in ${task.def.for?.in ?? "?"}`
      : kind;
    node(task.path, { ...base, parent: own, detail, composite: true });
    const exits = [];
    if (kind === "do" || kind === "for") {
      const body = addList(task.def.do, `${task.path}/do`, own);
      if (body.entry) edge(task.path, body.entry);
      exits.push(...(body.entry ? outOf(body) : [task.path]));
    } else if (kind === "fork") {
      entriesOf(task.def.fork?.branches).forEach(([name, def], index) => {
        const branch = addTask(
          { name, def, path: `${task.path}/fork/branches/${index}/${name}` },
          own,
        );
        edge(task.path, branch.entry);
        exits.push(...branch.exits);
      });
      if (exits.length === 0) exits.push(task.path);
    } else {
      const body = addList(task.def.try, `${task.path}/try`, own);
      if (body.entry) edge(task.path, body.entry);
      exits.push(...(body.entry ? outOf(body) : [task.path]));
      if (Array.isArray(task.def.catch?.do)) {
        const catcher = cluster(`cluster:${task.path}/catch`, own, "catch");
        const handler = addList(task.def.catch.do, `${task.path}/catch/do`, catcher);
        if (handler.entry) {
          edge(task.path, handler.entry, "on error");
          exits.push(...outOf(handler));
        }
      }
    }
    return { entry: task.path, exits };
  }

  const top = addList(workflow?.do, "do", null);
  if (top.entry) {
    edge(START, top.entry);
    for (const exit of top.exits) edge(exit.id, END, exit.label);
  } else edge(START, END);
  return { nodes, clusters, edges };
}

/**
 * Each task's state from the events: waiting (not started yet), running, completed, failed,
 * skipped, cancelled, or "not run" once the run has ended; with how many times it ran (loops).
 */
export function taskStates(graph, events, phase) {
  const states = new Map();
  for (const event of events) {
    if (!event.task || !graph.nodes.has(event.task)) continue;
    const state = states.get(event.task) ?? { state: "waiting", runs: 0 };
    if (event.type === "task.started") {
      state.state = "running";
      state.runs++;
    } else if (event.type === "task.completed") state.state = "completed";
    else if (event.type === "task.failed") {
      state.state = event.message === "cancelled" ? "cancelled" : "failed";
    } else if (event.type === "log" && event.message.startsWith("skipped")) {
      state.state = "skipped";
    }
    states.set(event.task, state);
  }
  const ended = ["COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED"].includes(phase);
  for (const [id, node] of graph.nodes) {
    if (node.marker) continue;
    const state = states.get(id) ?? { state: "waiting", runs: 0 };
    if (ended && state.state === "waiting") state.state = "not run";
    if (ended && state.state === "running") {
      state.state = phase === "INTERRUPTED" ? "interrupted" : "cancelled";
    }
    states.set(id, state);
  }
  const started = events.some((e) => e.type === "execution.started" || e.type === "task.started");
  states.set(START, { state: started ? "completed" : "waiting", runs: started ? 1 : 0 });
  states.set(END, {
    state: phase === "COMPLETED" ? "completed" : ended ? "not run" : "waiting",
    runs: phase === "COMPLETED" ? 1 : 0,
  });
  return states;
}

/** Text and icon for each state: the graph works without colour. */
export const STATE_ICONS = {
  waiting: "○",
  running: "◔",
  completed: "✓",
  failed: "✗",
  skipped: "↷",
  cancelled: "⊘",
  interrupted: "⏸",
  "not run": "–",
};

const CHAR_WIDTH = 7.4;

/** Positions from dagre: nodes {x, y, width, height}, clusters boxes, edges as point lists. */
export function layoutGraph(graph) {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 34, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of graph.clusters.values()) g.setNode(c.id, { label: c.label });
  for (const c of graph.clusters.values()) if (c.parent) g.setParent(c.id, c.parent);
  for (const n of graph.nodes.values()) {
    const text = Math.max(n.name.length, (n.detail ?? n.kind).length + 14);
    const width = n.marker ? 64 : Math.max(132, Math.round(text * CHAR_WIDTH) + 28);
    g.setNode(n.id, { width, height: n.marker ? 30 : 46 });
    if (n.parent) g.setParent(n.id, n.parent);
  }
  graph.edges.forEach((e, i) => {
    const label = e.label ? { label: e.label, width: e.label.length * 6.5 + 8, height: 16 } : {};
    g.setEdge(e.from, e.to, { ...label, labelpos: "c" }, `e${i}`);
  });
  dagre.layout(g);
  const box = (id) => {
    const { x, y, width, height } = g.node(id);
    return { x, y, width, height };
  };
  return {
    width: g.graph().width ?? 0,
    height: g.graph().height ?? 0,
    nodes: new Map([...graph.nodes.keys()].map((id) => [id, box(id)])),
    clusters: new Map([...graph.clusters.keys()].map((id) => [id, box(id)])),
    edges: graph.edges.map((e, i) => {
      const laid = g.edge({ v: e.from, w: e.to, name: `e${i}` });
      return { ...e, points: laid.points, labelX: laid.x, labelY: laid.y };
    }),
  };
}

/** The list a task path is in ("do/2/loop/do" for "do/2/loop/do/0/inc") and the task owning it. */
function listOf(path) {
  const parts = path.split("/");
  const list = parts.slice(0, -2).join("/");
  const owner = list.replace(/\/(do|try|catch\/do|fork\/branches)$/, "");
  return { list, owner: owner === list ? "" : owner };
}

/**
 * What a task received, from the events (they carry outputs, not inputs): the output of the
 * task that ran just before it in its list, else its enclosing task's input (a fork's branches
 * each get the fork's), else the workflow's input. Before the task's own `input.from`.
 * `undefined` when the events cannot tell (an output too large to keep, a run not started).
 */
export function taskInput(events, path, workflowInput) {
  const startIndex = events.findLastIndex((e) => e.type === "task.started" && e.task === path);
  if (startIndex < 0) return undefined;
  return inputBefore(events, path, startIndex, workflowInput);
}

function inputBefore(events, path, before, workflowInput) {
  const { list, owner } = listOf(path);
  const sibling = new RegExp(`^${list.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\d+/[^/]+$`);
  const ownerStart = owner
    ? events.findLastIndex((e, i) => i < before && e.type === "task.started" && e.task === owner)
    : -1;
  if (!list.endsWith("/fork/branches")) {
    for (let i = before - 1; i > ownerStart; i--) {
      const e = events[i];
      if (e.type === "task.completed" && sibling.test(e.task) && e.task !== path) return e.data;
      // A `for` body runs again with the previous iteration's output: the same task counts.
      if (e.type === "task.completed" && e.task === path) return e.data;
    }
  }
  if (!owner) return workflowInput;
  if (ownerStart < 0) return undefined;
  return inputBefore(events, owner, ownerStart, workflowInput);
}
