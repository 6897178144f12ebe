// After the build: writes X.gz (gzip level 9) beside every file of dist/ over 1 KiB that
// compresses, so the gateway can send it to clients that accept gzip without compressing per
// request. Usage: node scripts/compress.mjs dist
import { readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const minBytes = 1024;
const skip = /\.(gz|woff2?|png|jpe?g|webp|avif)$/; // already compressed

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

async function main(root) {
  let written = 0;
  for await (const path of files(root)) {
    if (skip.test(path) || (await stat(path)).size <= minBytes) continue;
    const raw = await readFile(path);
    const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
    if (gz.length >= raw.length) continue;
    await writeFile(`${path}.gz`, gz);
    written += 1;
  }
  console.log(`compress: ${written} .gz files in ${root}`);
}

await main(process.argv[2] ?? 'dist');
