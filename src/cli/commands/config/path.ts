import { readEnvironment } from "../../../config/environment.ts";
import { homePaths } from "../../../config/paths.ts";
import { writeOut } from "../../output.ts";

export function path(): void {
  writeOut(homePaths(readEnvironment().home).config);
}
