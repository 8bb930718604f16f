// Reads a secret from the terminal without echoing it.
const encoder = new TextEncoder();

export async function promptSecret(question: string): Promise<string> {
  Deno.stderr.writeSync(encoder.encode(question));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buffer = new Uint8Array(1024);
  try {
    outer: while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      for (const b of buffer.subarray(0, n)) {
        if (b === 13 || b === 10) break outer; // Enter
        if (b === 3) throw new Error("interrupted"); // Ctrl-C
        if (b === 127 || b === 8) bytes.pop(); // Backspace
        else bytes.push(b);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes)).trim();
}
