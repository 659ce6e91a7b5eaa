// Types of apply-patches.mjs (a plain script, so that an install runs it without TypeScript).
export interface PatchHunk {
  old: string[];
  new: string[];
}
export interface PatchedFile {
  path: string;
  hunks: PatchHunk[];
}
export function patchTarget(fileName: string): { name: string; version: string };
export function parsePatch(text: string): PatchedFile[];
export function applyPatches(root: string, patchesDir?: string): string[];
