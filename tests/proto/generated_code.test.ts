// src/rpc/gen must match proto/. The hash check runs everywhere; the full
// regeneration runs where protoc is installed (CI installs it).
import { assertEquals } from "../helpers/assert.ts";
import { REPO } from "../helpers/cli.ts";

async function protoFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await protoFiles(path));
    else if (entry.name.endsWith(".proto")) files.push(path);
  }
  return files;
}

function hasProtoc(): boolean {
  try {
    return new Deno.Command("protoc", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test("src/rpc/gen was generated from the current proto/ files", async () => {
  const files = (await protoFiles(`${REPO}/proto`)).sort();
  // Same order as the generator script: `find proto -name '*.proto' | sort`.
  const rel = files.map((f) => f.slice(REPO.length + 1)).sort();
  const bytes = rel.map((f) => Deno.readFileSync(`${REPO}/${f}`));
  const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const b of bytes) {
    all.set(b, offset);
    offset += b.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  const recorded = Deno.readTextFileSync(`${REPO}/src/rpc/gen/PROTO_SHA256`).trim();
  assertEquals(hex, recorded, "proto/ changed: run `deno task proto`");
});

Deno.test({
  name: "regenerating src/rpc/gen from proto/ changes nothing",
  ignore: !hasProtoc(),
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "stigmer-gen-" });
    try {
      const result = await new Deno.Command("sh", {
        args: [`${REPO}/scripts/gen_proto.sh`, out],
        cwd: REPO,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(result.code, 0, new TextDecoder().decode(result.stderr));
      const diff = await new Deno.Command("diff", { args: ["-r", out, `${REPO}/src/rpc/gen`] })
        .output();
      assertEquals(
        new TextDecoder().decode(diff.stdout),
        "",
        "src/rpc/gen is stale: run `deno task proto`",
      );
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
