import { useState } from 'preact/hooks';
import { api, describeError } from '../api.js';
import type { CurrentKey } from '../types.js';

interface LoginProps {
  notice: string | null;
  signedIn: (key: string, who: CurrentKey) => void;
  theme: string;
  toggleTheme: () => void;
}

/** The API key, typed once: checked against GET /api/me before it is kept for the tab. */
export function Login({ notice, signedIn, theme, toggleTheme }: LoginProps) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      signedIn(key.trim(), await api.whoIs<CurrentKey>(key.trim()));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={(e) => void submit(e)}>
        <h1>OrchestrateX console</h1>
        <label>
          API key
          <input
            name="apiKey"
            type="password"
            autocomplete="off"
            placeholder="orx_…"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            required
          />
        </label>
        <p class="muted">Kept in this tab only (sessionStorage), sent as a bearer token.</p>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="submit" disabled={busy || key.trim() === ''}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
          <button type="button" class="ghost" onClick={toggleTheme}>
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
        </div>
      </form>
    </main>
  );
}
