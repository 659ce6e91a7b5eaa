// Applies patches/*.patch (patch-package's format: `<name>+<version>.patch`, a unified diff of files under
// node_modules/) without any dependency, so a production install (`npm ci --omit=dev`) and the image apply them
// too. Each hunk's old lines are found in the installed file and replaced by its new lines; a hunk whose new lines
// are already there counts as applied (running it twice changes nothing). A patch written for another version of
// its package, or a hunk that no longer matches, stops the install with a message.
// Make a new patch with `npx patch-package <name>` (a dev dependency).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `postgres+3.4.9.patch` → { name: 'postgres', version: '3.4.9' }; scoped names use `+` for `/`. */
export function patchTarget(fileName) {
  const m = /^(.+)\+([^+]+)\.patch$/.exec(fileName);
  if (!m) throw new Error(`${fileName}: not a patch-package file name (<name>+<version>.patch)`);
  return { name: m[1].replaceAll('+', '/'), version: m[2] };
}

/** The files of a unified diff and their hunks, each as its old and new lines (context lines in both). */
export function parsePatch(text) {
  const files = [];
  let file = null;
  let hunk = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      file = null;
      hunk = null;
    } else if (line.startsWith('+++ ')) {
      file = { path: line.slice(4).replace(/^b\//, ''), hunks: [] };
      files.push(file);
    } else if (line.startsWith('@@') && file) {
      hunk = { old: [], new: [] };
      file.hunks.push(hunk);
    } else if (hunk) {
      if (line.startsWith('+')) hunk.new.push(line.slice(1));
      else if (line.startsWith('-')) hunk.old.push(line.slice(1));
      else if (line.startsWith(' ') || line === '') {
        hunk.old.push(line.slice(1));
        hunk.new.push(line.slice(1));
      }
    }
  }
  // The diff's last line is followed by a newline: the empty string after it is no context line.
  for (const f of files) {
    for (const h of f.hunks) {
      while (h.old.length > 0 && h.old.at(-1) === '' && h.new.at(-1) === '') {
        h.old.pop();
        h.new.pop();
      }
    }
  }
  return files;
}

/** 'applied' | 'already' for a hunk on `content`; throws when neither its old nor its new lines are there. */
function applyHunk(content, hunk, where) {
  const after = hunk.new.join('\n');
  const before = hunk.old.join('\n');
  if (content.includes(after)) return { content, state: 'already' };
  const at = content.indexOf(before);
  if (at < 0) throw new Error(`${where}: the patch no longer matches the installed file`);
  return { content: content.slice(0, at) + after + content.slice(at + before.length), state: 'applied' };
}

/** Applies every patch in `patchesDir` to `root`/node_modules; returns one line per patched file. */
export function applyPatches(root, patchesDir = join(root, 'patches')) {
  const report = [];
  if (!existsSync(patchesDir)) return report;
  for (const fileName of readdirSync(patchesDir)
    .filter((f) => f.endsWith('.patch'))
    .sort()) {
    const { name, version } = patchTarget(fileName);
    const pkgJson = join(root, 'node_modules', name, 'package.json');
    if (!existsSync(pkgJson)) continue; // not installed (for example a dev dependency left out)
    const installed = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
    if (installed !== version) {
      throw new Error(
        `${fileName} is for ${name} ${version}, but ${installed} is installed: pin ${version}.`,
      );
    }
    for (const file of parsePatch(readFileSync(join(patchesDir, fileName), 'utf8'))) {
      const target = join(root, file.path);
      let content = readFileSync(target, 'utf8');
      const states = [];
      for (const hunk of file.hunks) {
        const r = applyHunk(content, hunk, `${fileName} → ${file.path}`);
        content = r.content;
        states.push(r.state);
      }
      if (states.includes('applied')) writeFileSync(target, content);
      report.push(`${file.path}: ${states.includes('applied') ? 'patched' : 'already patched'}`);
    }
  }
  return report;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const line of applyPatches(process.cwd())) console.log(`apply-patches: ${line}`);
  } catch (err) {
    console.error(`apply-patches: ${err.message}`);
    process.exit(1);
  }
}
