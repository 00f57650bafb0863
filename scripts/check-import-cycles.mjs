// Fails when the server's modules import each other in a circle (type imports count: a circle of
// types is a circle of meaning). Part of `npm run lint`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) files.push(path);
  }
})(root);

const graph = new Map();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  graph.set(
    file,
    importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name).replace(/\.js$/, '.ts'))
      .filter((path) => files.includes(path)),
  );
}

// Tarjan's strongly connected components: each of more than one file is a circle.
let index = 0;
const order = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const circles = [];
function connect(file) {
  order.set(file, index);
  low.set(file, index);
  index += 1;
  stack.push(file);
  onStack.add(file);
  for (const next of graph.get(file)) {
    if (!order.has(next)) {
      connect(next);
      low.set(file, Math.min(low.get(file), low.get(next)));
    } else if (onStack.has(next)) low.set(file, Math.min(low.get(file), order.get(next)));
  }
  if (low.get(file) !== order.get(file)) return;
  const component = [];
  for (let member = stack.pop(); ; member = stack.pop()) {
    onStack.delete(member);
    component.push(member);
    if (member === file) break;
  }
  if (component.length > 1) circles.push(component);
}
for (const file of files) if (!order.has(file)) connect(file);

if (circles.length > 0) {
  for (const circle of circles) {
    console.error(
      `Import circle of ${circle.length} files: ${circle
        .map((f) => relative(process.cwd(), f))
        .sort()
        .join(', ')}`,
    );
  }
  process.exit(1);
}
console.log(`No import circle among ${files.length} files of ${relative(process.cwd(), root)}/`);
