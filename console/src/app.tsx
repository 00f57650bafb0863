import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, describeError, onUnauthorized, storedKey } from './api.js';
import { disconnectLive } from './live.js';
import { Analytics } from './pages/analytics.js';
import { Audit } from './pages/audit.js';
import { Compare } from './pages/compare.js';
import { Keys } from './pages/keys.js';
import { Login } from './pages/login.js';
import { Models } from './pages/models.js';
import { NewRun } from './pages/new-run.js';
import { Requests } from './pages/requests.js';
import { RunPage } from './pages/run.js';
import { Runs } from './pages/runs.js';
import { useRoute, type Route } from './router.js';
import type { CurrentKey } from './types.js';

const THEME = 'orchestratex.theme';

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(
    () => localStorage.getItem(THEME) ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'),
  );
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(THEME, theme);
  }, [theme]);
  return [theme, () => setTheme((t) => (t === 'dark' ? 'light' : 'dark'))];
}

function Page({ route, me }: { route: Route; me: CurrentKey }) {
  switch (route.page) {
    case 'runs':
      return <Runs />;
    case 'run':
      return <RunPage id={route.id} />;
    case 'compare':
      return <Compare id={route.id} />;
    case 'new':
      return <NewRun />;
    case 'analytics':
      return <Analytics me={me} />;
    case 'models':
      return <Models me={me} />;
    case 'requests':
      return <Requests me={me} />;
    case 'audit':
      return me.role === 'admin' ? <Audit /> : <p class="error">The audit trail is for admin keys.</p>;
    case 'keys':
      return me.role === 'admin' ? <Keys me={me} /> : <p class="error">Keys are managed with an admin key.</p>;
    case 'missing':
      return <p class="error">There is no page at {route.path}.</p>;
  }
}

const LINKS: { href: string; label: string; pages: Route['page'][]; admin?: boolean }[] = [
  { href: '#/runs', label: 'Runs', pages: ['runs', 'run', 'compare'] },
  { href: '#/new', label: 'New run', pages: ['new'] },
  { href: '#/requests', label: 'Requests', pages: ['requests'] },
  { href: '#/analytics', label: 'Analytics', pages: ['analytics'] },
  { href: '#/models', label: 'Models', pages: ['models'] },
  { href: '#/keys', label: 'Keys', pages: ['keys'], admin: true },
  { href: '#/audit', label: 'Audit', pages: ['audit'], admin: true },
];

export function App() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const [me, setMe] = useState<CurrentKey | null>(null);
  const [checking, setChecking] = useState(storedKey.get() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = (message: string | null) => {
    storedKey.clear();
    disconnectLive();
    setMe(null);
    setNotice(message);
  };

  useEffect(() => {
    onUnauthorized((error: ApiError) => signOut(`Signed out: ${describeError(error)}`));
    const key = storedKey.get();
    if (key === null) return;
    api
      .whoIs<CurrentKey>(key)
      .then(setMe, (error: unknown) => signOut(describeError(error)))
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p class="muted center">Checking the API key…</p>;
  if (me === null) {
    return (
      <Login
        notice={notice}
        signedIn={(key, who) => {
          storedKey.set(key);
          setNotice(null);
          setMe(who);
        }}
        theme={theme}
        toggleTheme={toggleTheme}
      />
    );
  }
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/runs">
          OrchestrateX
        </a>
        <nav>
          {LINKS.filter((l) => !l.admin || me.role === 'admin').map((link) => (
            <a key={link.href} href={link.href} class={link.pages.includes(route.page) ? 'active' : ''}>
              {link.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span title={`key ${me.id}, owner ${me.ownerId}`}>
            {me.name} <span class="badge">{me.role}</span>
          </span>
          <button type="button" class="ghost" onClick={toggleTheme} aria-label="Switch light or dark">
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
          <button type="button" class="ghost" onClick={() => signOut(null)}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Page route={route} me={me} />
      </main>
    </div>
  );
}
