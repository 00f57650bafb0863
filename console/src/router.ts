import { useEffect, useState } from 'preact/hooks';

/** Hash routes (#/runs/…): the server serves one page, and the key never enters a URL. */
export type Route =
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'compare'; id: string }
  | { page: 'new' }
  | { page: 'analytics' }
  | { page: 'models' }
  | { page: 'keys' }
  | { page: 'requests' }
  | { page: 'audit' }
  | { page: 'missing'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/runs';
  const parts = path.split('/').filter((p) => p !== '');
  const id = /^[0-9a-f]{24}$/;
  if (parts[0] === 'runs' && parts.length === 1) return { page: 'runs' };
  if (parts[0] === 'runs' && parts.length === 2 && id.test(parts[1])) return { page: 'run', id: parts[1] };
  if (parts[0] === 'runs' && parts[2] === 'compare' && parts.length === 3 && id.test(parts[1])) {
    return { page: 'compare', id: parts[1] };
  }
  if (parts.length === 1 && ['new', 'analytics', 'models', 'keys', 'requests', 'audit'].includes(parts[0])) {
    return { page: parts[0] as 'new' | 'analytics' | 'models' | 'keys' | 'requests' | 'audit' };
  }
  return { page: 'missing', path };
}

export const navigate = (path: string) => {
  window.location.hash = path;
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
