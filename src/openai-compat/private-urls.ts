import { BlockList, isIP } from 'node:net';

/**
 * Addresses a client may not have a provider fetch for it (an image or a file by URL): loopback,
 * link-local (cloud metadata at 169.254.169.254), private and unique-local ranges, CGNAT, the
 * unspecified address. Names are not resolved here (the provider resolves them); `localhost` and
 * names under `.localhost`, `.local` and `.internal` are refused as such.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}
const LOCAL_NAMES = /^(localhost|.*\.(localhost|local|internal))$/i;
/** Where content parts carry the URLs a provider fetches. */
const URL_FIELDS = new Set(['url', 'image_url', 'file_url']);
const MAX_DEPTH = 64;

/** Whether a URL's host is a private, loopback or link-local address (or a local name). */
export function isPrivateUrl(value: string): boolean {
  let host: string;
  try {
    host = new URL(value).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false; // not a URL: data: URIs and file ids are read as such elsewhere
  }
  if (LOCAL_NAMES.test(host)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped !== null) host = mapped[1];
  const family = isIP(host);
  if (family === 0) return false;
  return PRIVATE.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** The first URL in a request body that points at a private address, with where it stands; null when none does. */
export function privateUrlIn(body: unknown): { at: string; url: string } | null {
  // Every /v1 request is walked: no paths are built unless a private URL is there.
  return walk(body, false) === null ? null : walk(body, true);
}

function walk(body: unknown, withPaths: boolean): { at: string; url: string } | null {
  const stack: [unknown, string, number][] = [[body, '', 0]];
  while (stack.length > 0) {
    const [node, at, depth] = stack.pop() as [unknown, string, number];
    if (typeof node !== 'object' || node === null || depth > MAX_DEPTH) continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) stack.push([node[i], withPaths ? `${at}[${i}]` : '', depth + 1]);
      continue;
    }
    for (const key in node) {
      const child = (node as Record<string, unknown>)[key];
      const path = withPaths ? (at === '' ? key : `${at}.${key}`) : '';
      if (typeof child === 'string') {
        if (URL_FIELDS.has(key) && isPrivateUrl(child)) return { at: path, url: child };
      } else stack.push([child, path, depth + 1]);
    }
  }
  return null;
}
