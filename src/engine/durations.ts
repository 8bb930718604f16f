// Durations as the DSL writes them: an ISO 8601 string ("PT1M30S") or an object
// ({ days, hours, minutes, seconds, milliseconds }). Both become milliseconds.

const ISO_DURATION =
  /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i;

const UNIT_MS = {
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1_000,
  milliseconds: 1,
} as const;

/** Milliseconds for a duration, or throws an Error that says what is wrong with it. */
export function parseDuration(value: unknown): number {
  if (typeof value === "string") return parseIsoDuration(value);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return parseDurationObject(value as Record<string, unknown>);
  }
  throw new Error(
    `expected an ISO 8601 duration like "PT30S" or an object like {seconds: 30}, got ${
      JSON.stringify(value)
    }`,
  );
}

function parseIsoDuration(text: string): number {
  const match = ISO_DURATION.exec(text.trim());
  // "P" and "PT" alone match the pattern but mean nothing.
  if (!match || match.slice(1).every((part) => part === undefined)) {
    const hint = /^P.*[YM]/i.test(text) && !/T.*M/i.test(text)
      ? " (years and months have no fixed length: use days)"
      : "";
    throw new Error(`"${text}" is not an ISO 8601 duration like "PT30S" or "P1DT2H"${hint}`);
  }
  const [weeks, days, hours, minutes, seconds] = match.slice(1).map((part) =>
    part === undefined ? 0 : Number(part.replace(",", "."))
  );
  return Math.round(
    weeks * 7 * UNIT_MS.days + days * UNIT_MS.days + hours * UNIT_MS.hours +
      minutes * UNIT_MS.minutes + seconds * UNIT_MS.seconds,
  );
}

function parseDurationObject(value: Record<string, unknown>): number {
  let total = 0;
  const keys = Object.keys(value);
  if (keys.length === 0) {
    throw new Error("an empty duration object: set days, hours, minutes, seconds or milliseconds");
  }
  for (const key of keys) {
    const unit = UNIT_MS[key as keyof typeof UNIT_MS];
    if (unit === undefined) {
      throw new Error(
        `unknown duration field "${key}" (use days, hours, minutes, seconds, milliseconds)`,
      );
    }
    const amount = value[key];
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
      throw new Error(`duration field "${key}" must be a non-negative number`);
    }
    total += amount * unit;
  }
  return Math.round(total);
}

/** "1.5 s", "250 ms", "2 min" — for messages. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(2)} s`;
  return `${+(ms / 60_000).toFixed(2)} min`;
}
