// The files `stigmer init` writes: a project that applies and runs as is.

export function projectFiles(name: string): Record<string, string> {
  return {
    "Stigmer.yaml": `name: ${name}
description: A first Stigmer project
# organization: acme          # cloud mode only; local mode always uses "local"
resources: ["stigmer/**/*.yaml"]
`,
    "stigmer/agent.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: greeter
  labels:
    app: ${name}
spec:
  description: Says hello
  instructions: |
    You are a friendly assistant. Greet the user by name in one short sentence.
`,
    "stigmer/workflow.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: Workflow
metadata:
  name: hello
  labels:
    app: ${name}
spec:
  document:
    dsl: "1.0.0"
    namespace: ${name}
    name: hello
    version: "0.1.0"
  do:
    - prepare:
        set:
          who: \${ .name // "world" }
    - greet:
        set:
          greeting: \${ "Hello, " + .who + "!" }
`,
    "README.md": `# ${name}

A Stigmer project: one agent and one workflow, declared in \`stigmer/\`.

\`\`\`sh
stigmer apply                      # deploy (starts the local backend if needed)
stigmer get workflows              # see what is deployed
stigmer run hello --input name=Ada # run the workflow
stigmer run greeter -m "I am Ada"  # talk to the agent (needs Ollama, or see config)
\`\`\`
`,
  };
}
