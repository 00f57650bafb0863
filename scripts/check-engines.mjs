// Every package the lock installs accepts the oldest Node the README supports (package.json's
// engines), so `npm ci` prints no EBADENGINE warning there. Run by `npm run lint`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const semver = require('semver');
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const oldest = semver.minVersion(manifest.engines.node).version;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const refused = Object.entries(lock.packages)
  .filter(([path, entry]) => path !== '' && typeof entry.engines?.node === 'string')
  .filter(([, entry]) => !semver.satisfies(oldest, entry.engines.node))
  .map(([path, entry]) => `${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${entry.engines.node}`);
if (refused.length > 0) {
  process.stderr.write(`Packages that refuse Node ${oldest} (package.json engines):\n  ${refused.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`Every locked package accepts Node ${oldest}.\n`);
