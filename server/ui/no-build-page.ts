// What `GET /` answers when no UI build was found: a short page that says how to get one, instead of
// MLflow's text/plain "Unable to display MLflow UI". The API keeps working either way.

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function noBuildMessage(problem: string | undefined): string {
  return (
    `MLflow UI not available (${problem ?? 'no build found'}): install the official UI with ` +
    '`pip install mlflow` (Minflow finds it in ./.venv, the active virtualenv or python3), or pass ' +
    '--ui-dir <site-packages>/mlflow/server/js/build. The REST API is served either way.'
  );
}

export function noBuildPage(problem: string | undefined): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Minflow — MLflow UI not installed</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1f272d}
code,pre{background:#f2f4f5;border-radius:4px;padding:.1rem .3rem}pre{padding:.75rem}</style></head>
<body>
<h1>The MLflow UI is not installed</h1>
<p>Minflow serves the official MLflow web UI from an installed <code>mlflow</code> Python package, and none was
found (${escapeHtml(problem ?? 'no build found')}). The tracking API is running and usable.</p>
<p>To get the UI, install MLflow next to Minflow and restart it:</p>
<pre>python3 -m venv .venv &amp;&amp; .venv/bin/pip install mlflow
npm start</pre>
<p>or point Minflow at a build directory:</p>
<pre>minflow server --ui-dir /path/to/site-packages/mlflow/server/js/build</pre>
</body>
</html>
`;
}
