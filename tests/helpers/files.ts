// Looking for a secret where it must not be: in every file a process wrote.

/** Every file under `dir` whose bytes hold `needle` (decoded leniently, so binary files count). */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const full = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await filesContaining(full, needle));
    else if (entry.isFile) {
      const text = new TextDecoder("latin1").decode(await Deno.readFile(full));
      if (text.includes(needle)) found.push(full);
    }
  }
  return found;
}
